package io.tributary.record;

/** The codec ids of bits 0-2 of a batch's attributes, as in Kafka. */
public enum CompressionType {
    NONE(0), GZIP(1), SNAPPY(2), LZ4(3), ZSTD(4);

    public final int id;

    CompressionType(int id) {
        this.id = id;
    }

    public static CompressionType forId(int id) {
        for (CompressionType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        throw new UnsupportedRecordFormatException("unknown compression codec id " + id);
    }
}
