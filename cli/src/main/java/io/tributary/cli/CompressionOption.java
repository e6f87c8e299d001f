package io.tributary.cli;

import io.tributary.record.CompressionType;
import picocli.CommandLine.Option;

/** {@code --compression none|gzip|snappy|lz4|zstd}: the codec a producing command compresses batches with. */
final class CompressionOption {
    @Option(names = "--compression", paramLabel = "CODEC", defaultValue = "none",
            description = "Compress record batches with none, gzip, snappy, lz4 or zstd (Kafka's compression.type)."
                    + " Default: ${DEFAULT-VALUE}")
    String codec = "none";

    /** @throws IllegalArgumentException naming the accepted codecs */
    CompressionType type() {
        return CompressionType.forName(codec);
    }
}
