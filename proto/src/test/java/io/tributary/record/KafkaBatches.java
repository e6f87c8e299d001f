package io.tributary.record;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;

/** The same records built into a batch by kafka-clients and by our builder, for the compatibility tests. */
final class KafkaBatches {
    private KafkaBatches() {
    }

    record Input(long timestamp, byte[] key, byte[] value, List<Header> headers) {
    }

    static Compression kafkaCompression(CompressionType codec) {
        return switch (codec) {
            case NONE -> Compression.NONE;
            case GZIP -> Compression.gzip().build();
            case SNAPPY -> Compression.snappy().build();
            case LZ4 -> Compression.lz4().build();
            case ZSTD -> Compression.zstd().build();
        };
    }

    static ByteBuffer kafkaBatch(List<Input> inputs, CompressionType codec, long baseOffset, long producerId,
                                 short epoch, int sequence, int leaderEpoch) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1 << 20), (byte) 2,
                kafkaCompression(codec), TimestampType.CREATE_TIME, baseOffset, -1L, producerId, epoch, sequence, false,
                leaderEpoch);
        for (Input input : inputs) {
            builder.append(input.timestamp(), input.key(), input.value(), input.headers().stream()
                    .map(h -> new RecordHeader(h.key(), h.value())).toArray(org.apache.kafka.common.header.Header[]::new));
        }
        return builder.build().buffer();
    }

    static ByteBuffer ourBatch(List<Input> inputs, CompressionType codec, long baseOffset, long producerId, short epoch,
                               int sequence, int leaderEpoch) {
        RecordBatchBuilder builder = new RecordBatchBuilder(baseOffset, producerId, epoch, sequence, leaderEpoch, 128)
                .compression(codec);
        for (Input input : inputs) {
            builder.append(input.timestamp(), input.key(), input.value(), input.headers());
        }
        return builder.build();
    }

    static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
