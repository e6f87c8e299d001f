package io.tributary.record;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The codec ids of bits 0-2 of a batch's attributes, and the names producers use for them, as in Kafka. */
public enum CompressionType {
    NONE(0, "none"), GZIP(1, "gzip"), SNAPPY(2, "snappy"), LZ4(3, "lz4"), ZSTD(4, "zstd");

    public final int id;
    /** The name of Kafka's producer setting compression.type. */
    public final String configName;

    CompressionType(int id, String configName) {
        this.id = id;
        this.configName = configName;
    }

    public static CompressionType forId(int id) {
        for (CompressionType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        throw new UnsupportedRecordFormatException("unknown compression codec id " + id);
    }

    /**
     * The codec a producer's compression.type names: none, gzip, snappy, lz4 or zstd (any case).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static CompressionType forName(String name) {
        for (CompressionType type : values()) {
            if (type.configName.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown compression type '" + name + "', expected one of "
                + Arrays.stream(values()).map(t -> t.configName).collect(Collectors.joining(", ")));
    }
}
