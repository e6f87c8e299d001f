package io.tributary.client.internal;

import io.tributary.record.CompressionType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** When an append asks the sender to look at the queues again. */
class RecordAccumulatorTest {
    private long nowMs = 10_000;
    private final List<Long> wakeDeadlines = new ArrayList<>();
    private final RecordAccumulator accumulator = new RecordAccumulator(256, CompressionType.NONE, 1_000,
            new BufferPool(1 << 20), () -> nowMs, 5, wakeDeadlines::add);

    private RecordAccumulator.AppendResult append(PartitionQueue queue, int valueBytes) {
        byte[] value = "x".repeat(valueBytes).getBytes(StandardCharsets.UTF_8);
        return accumulator.append(queue, nowMs, null, value, List.of(), valueBytes + 32, new CompletableFuture<>(), false);
    }

    @Test
    void aNewBatchInAnEmptyQueueIsDueWhenItsLingerEnds() {
        assertThat(append(accumulator.queue("t", 0), 10)).isEqualTo(RecordAccumulator.AppendResult.NEW_BATCH);
        nowMs += 2;
        append(accumulator.queue("t", 1), 10);
        assertThat(wakeDeadlines).containsExactly(10_005L, 10_007L);
    }

    @Test
    void aRecordJoiningAnOpenBatchDoesNotWakeTheSender() {
        PartitionQueue queue = accumulator.queue("t", 0);
        append(queue, 10);
        assertThat(append(queue, 10)).isEqualTo(RecordAccumulator.AppendResult.APPENDED);
        assertThat(wakeDeadlines).hasSize(1);
    }

    @Test
    void aBatchStartedBehindAFullOneIsDueNow() {
        PartitionQueue queue = accumulator.queue("t", 0);
        append(queue, 200);
        assertThat(append(queue, 200)).as("the first batch is full").isEqualTo(RecordAccumulator.AppendResult.NEW_BATCH);
        assertThat(wakeDeadlines).containsExactly(10_005L, 0L);
    }
}
