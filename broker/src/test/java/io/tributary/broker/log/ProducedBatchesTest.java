package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.record.CompressionType;
import io.tributary.record.InvalidRecordException;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProducedBatchesTest {
    private static ByteBuffer batch(CompressionType codec, boolean keyed, int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(5L, (short) 1, (short) 0, 40, -1, 128).compression(codec);
        for (int i = 0; i < count; i++) {
            builder.append(100L + i, keyed ? ("k" + i).getBytes(StandardCharsets.UTF_8) : null,
                    ("value " + i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    private static ByteBuffer join(ByteBuffer... batches) {
        ByteBuffer joined = ByteBuffer.allocate(1 << 16);
        for (ByteBuffer batch : batches) {
            joined.put(batch.duplicate());
        }
        return joined.flip();
    }

    @Test
    void batchesTheTopicKeepsAreAppendedFromTheRequestsOwnBuffer() {
        ByteBuffer request = join(batch(CompressionType.ZSTD, false, 10), batch(CompressionType.NONE, false, 3));

        ProducedBatches.Prepared prepared = ProducedBatches.prepare(request, LogConfig.defaults());

        assertThat(prepared.batches()).isSameAs(request);
        assertThat(prepared.parsed()).extracting(RecordBatch::compressionType)
                .containsExactly(CompressionType.ZSTD, CompressionType.NONE);
    }

    @Test
    void aTopicCodecConvertsOnlyTheBatchesSentWithAnotherAndKeepsTheirOrder() {
        ByteBuffer lz4 = batch(CompressionType.LZ4, true, 4);
        ByteBuffer none = batch(CompressionType.NONE, true, 6);
        LogConfig config = LogConfig.defaults().withCompression(TopicCompression.LZ4);

        ProducedBatches.Prepared prepared = ProducedBatches.prepare(join(lz4, none), config);

        assertThat(prepared.parsed()).extracting(RecordBatch::compressionType)
                .containsExactly(CompressionType.LZ4, CompressionType.LZ4);
        assertThat(prepared.parsed().get(0).slice()).isEqualTo(lz4);
        assertThat(prepared.parsed().get(1).records()).isEqualTo(RecordBatch.wrap(none).records());
        assertThat(prepared.parsed().get(1).baseSequence()).isEqualTo(40);
        prepared.parsed().forEach(RecordBatch::ensureValid);
    }

    @Test
    void aCompactedTopicRefusesTheWholeRequestWhenOneRecordHasNoKey() {
        ByteBuffer request = join(batch(CompressionType.NONE, true, 2), batch(CompressionType.NONE, false, 2));
        byte[] before = new byte[request.remaining()];
        request.duplicate().get(before);

        assertThatThrownBy(() -> ProducedBatches.prepare(request, LogConfig.defaults().withCompaction(LogConfig.Compaction.DEFAULT)))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("has no key");
        byte[] after = new byte[request.remaining()];
        request.duplicate().get(after);
        assertThat(after).isEqualTo(before);
        assertThat(ProducedBatches.prepare(request, LogConfig.defaults()).parsed()).hasSize(2);
    }

    @Test
    void aBatchLargerThanMaxMessageBytesIsRefusedBeforeItIsDecompressed() {
        ByteBuffer big = batch(CompressionType.GZIP, true, 200);
        int size = big.remaining();

        assertThatThrownBy(() -> ProducedBatches.prepare(big, LogConfig.defaults().withMaxMessageBytes(size - 1)))
                .isInstanceOf(MessageTooLargeException.class);
    }
}
