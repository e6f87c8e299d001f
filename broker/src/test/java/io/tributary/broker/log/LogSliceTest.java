package io.tributary.broker.log;

import io.tributary.proto.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A fetch's slice of a segment holds exactly the batches {@link PartitionLog#read} returns, and its
 * copy fails, rather than sending other bytes, when the segment is cut or deleted before it is sent.
 */
class LogSliceTest {
    private static final TopicPartition TP = new TopicPartition("events", 0);

    @TempDir
    Path dir;
    private LogManager manager;
    private PartitionLog log;

    @BeforeEach
    void open() {
        manager = LogManager.open(dir);
        log = manager.getOrCreate(TP, "id-1", LogConfig.defaults().withSegmentBytes(2000));
        for (int i = 0; i < 30; i++) {
            log.append(batch(1 + i % 4, 1000 + i, "v" + i), 1); // batches of 1-4 records, segments roll
        }
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static byte[] copied(LogSlice slice, int chunkBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        slice.writeTo(out, new byte[chunkBytes]);
        return out.toByteArray();
    }

    @Test
    void aSliceHoldsTheBatchesAReadReturns() throws IOException {
        long end = log.logEndOffset();
        for (long offset = 0; offset < end; offset += 3) {
            for (int maxBytes : new int[] {1, 150, 700, 5000}) {
                for (long maxOffset : new long[] {offset + 1, offset + 9, end}) {
                    ByteBuffer read = log.read(offset, maxBytes, maxOffset);
                    LogSlice slice = log.readSlice(offset, maxBytes, maxOffset);
                    assertThat(slice.sizeInBytes()).isEqualTo(read.remaining());
                    assertThat(copied(slice, 64)).as("offset %d, max %d bytes, below %d", offset, maxBytes, maxOffset)
                            .isEqualTo(bytes(read));
                }
            }
        }
        assertThat(log.readSlice(end, 1000, end).sizeInBytes()).isZero();
    }

    @Test
    void aSliceOfASegmentCutBeforeItIsSentFailsInsteadOfSendingOtherBytes() {
        LogSlice tail = log.readSlice(log.logEndOffset() - 1, 10_000, log.logEndOffset());
        log.truncateTo(log.logEndOffset() - 2);
        assertThatThrownBy(() -> copied(tail, 64)).isInstanceOf(IOException.class)
                .hasMessageContaining("the log was truncated while the fetch was sent");
    }

    @Test
    void aSliceOfASegmentDeletedBeforeItIsSentFails() {
        LogSlice first = log.readSlice(0, 10_000, log.logEndOffset());
        assertThat(first.sizeInBytes()).isPositive();
        assertThat(log.advanceLogStartOffset(log.logEndOffset() - 1)).isTrue();
        assertThatThrownBy(() -> copied(first, 64)).isInstanceOf(IOException.class).hasMessageContaining("deleted");
    }
}
