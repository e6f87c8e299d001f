package io.tributary.broker.log;

import io.tributary.record.CompressionType;
import java.util.Locale;

/**
 * A topic's compression.type: keep each batch as its producer compressed it (Kafka's default), or
 * store every batch with one codec, which makes the leader convert the batches sent otherwise.
 */
public enum TopicCompression {
    PRODUCER(null),
    UNCOMPRESSED(CompressionType.NONE),
    GZIP(CompressionType.GZIP),
    SNAPPY(CompressionType.SNAPPY),
    LZ4(CompressionType.LZ4),
    ZSTD(CompressionType.ZSTD);

    private final CompressionType codec;

    TopicCompression(CompressionType codec) {
        this.codec = codec;
    }

    /** The topic config's value ({@code producer}, {@code uncompressed}, {@code gzip}, ...), as validated by TopicConfigs. */
    public static TopicCompression fromConfig(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** The codec the leader stores a batch in that its producer sent compressed with {@code sent}. */
    public CompressionType storedCodec(CompressionType sent) {
        return codec == null ? sent : codec;
    }
}
