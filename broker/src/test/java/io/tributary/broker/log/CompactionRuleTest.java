package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactionRuleTest {
    private static Record record(long offset, String key, String value, long timestamp) {
        return new Record(offset, timestamp, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), List.of());
    }

    @Test
    void keepsTheLatestRecordOfAKeyAndRecordsOfKeysNotMapped() {
        assertThat(CompactionRule.retains(record(5, "k", "v", 0), 5, 0)).isTrue();
        assertThat(CompactionRule.retains(record(5, "k", "v", 0), 9, 0)).as("replaced at 9").isFalse();
        assertThat(CompactionRule.retains(record(5, "k", "v", 0), -1, 0)).as("key not in the map").isTrue();
        assertThat(CompactionRule.retains(record(5, null, "v", 0), -1, 0)).as("no key").isFalse();
    }

    @Test
    void keepsATombstoneUntilItsHorizon() {
        assertThat(CompactionRule.retains(record(5, "k", null, 1_000), 5, 1_000)).isTrue();
        assertThat(CompactionRule.retains(record(5, "k", null, 999), 5, 1_000)).isFalse();
        assertThat(CompactionRule.retains(record(5, "k", null, 5_000), 9, 1_000)).as("replaced").isFalse();
    }

    @Test
    void dropsAnEmptiedProducerBatchOnlyOnceALaterOneOfItsProducerIsCommitted() {
        RecordBatch plain = RecordBatch.wrap(new RecordBatchBuilder(64).append(1L, null, null).build());
        RecordBatch idempotent = RecordBatch.wrap(new RecordBatchBuilder(10, 7L, (short) 0, 3, -1, 64)
                .append(1L, null, null).build());

        assertThat(CompactionRule.dropsEmptied(plain, -1, 100)).isTrue();
        assertThat(CompactionRule.dropsEmptied(idempotent, 10, 100)).as("its producer's last batch").isFalse();
        assertThat(CompactionRule.dropsEmptied(idempotent, 50, 40)).as("the later batch may be truncated").isFalse();
        assertThat(CompactionRule.dropsEmptied(idempotent, 30, 40)).isTrue();
    }

    @Test
    void isDueOnTheDirtyRatioOrAnExpiredTombstone() {
        assertThat(CompactionRule.due(1000, 500, 0.5, Long.MAX_VALUE, 0)).isTrue();
        assertThat(CompactionRule.due(1000, 499, 0.5, Long.MAX_VALUE, 0)).isFalse();
        assertThat(CompactionRule.due(1000, 0, 0.5, 10, 11)).as("a tombstone expired").isTrue();
        assertThat(CompactionRule.due(0, 0, 0.0, 10, 11)).as("nothing cleanable").isFalse();
        assertThat(CompactionRule.due(1000, 0, 0.0, Long.MAX_VALUE, 0)).as("nothing new").isFalse();
    }

    @Test
    void anOffsetMapKeepsTheLatestOffsetWithinItsBudget() {
        OffsetMap map = new OffsetMap(2L * (OffsetMap.ENTRY_OVERHEAD_BYTES + 1));
        assertThat(map.put(new byte[] {1}, 3)).isTrue();
        assertThat(map.put(new byte[] {1}, 8)).as("a known key costs nothing more").isTrue();
        assertThat(map.put(new byte[] {2}, 9)).isTrue();
        assertThat(map.put(new byte[] {3}, 10)).as("over budget").isFalse();
        assertThat(map.latestOffset(new byte[] {1})).isEqualTo(8);
        assertThat(map.latestOffset(new byte[] {3})).isEqualTo(-1);
    }
}
