package io.tributary.broker.log;

import io.tributary.record.Record;
import io.tributary.record.RecordBatch;

/**
 * What compaction keeps, as pure rules (Kafka's log cleaner's): the latest record of each key, a
 * tombstone only until delete.retention.ms after its timestamp, no record without a key; and when a
 * log is worth cleaning.
 */
final class CompactionRule {
    private CompactionRule() {
    }

    /**
     * Whether {@code record} survives a cleaning.
     *
     * @param latestOffsetOfKey the offset of the latest record with the same key in the part of the
     *                          log this cleaning mapped, or -1 when the key is not in it
     * @param tombstoneHorizonMs a tombstone with a timestamp before this is removed
     */
    static boolean retains(Record record, long latestOffsetOfKey, long tombstoneHorizonMs) {
        if (record.key() == null) {
            return false; // a compacted topic refuses them; one written before the topic was compacted goes
        }
        if (latestOffsetOfKey > record.offset()) {
            return false;
        }
        return record.value() != null || record.timestamp() >= tombstoneHorizonMs;
    }

    /**
     * Whether a batch left with no record is dropped rather than kept as a bare header. A producer's
     * batch is kept while it may be that producer's last one in the log: its header carries the
     * producer's last sequence, which idempotence needs after a restart. It may go once the producer
     * has a later batch below the high watermark, which no truncation removes.
     *
     * @param producerLastOffset the last offset of the batch's producer's latest batch known below the
     *                           high watermark, -1 when none is known
     */
    static boolean dropsEmptied(RecordBatch batch, long producerLastOffset, long highWatermark) {
        if (batch.producerId() < 0 || batch.baseSequence() < 0) {
            return true;
        }
        return producerLastOffset > batch.lastOffset() && producerLastOffset < highWatermark;
    }

    /**
     * Whether a log is due for cleaning: enough of its cleanable bytes were written since the last
     * cleaning (min.cleanable.dirty.ratio), or a tombstone it kept has expired.
     */
    static boolean due(long cleanableBytes, long dirtyBytes, double minDirtyRatio, long oldestTombstoneMs,
                       long tombstoneHorizonMs) {
        if (cleanableBytes <= 0) {
            return false;
        }
        return (dirtyBytes > 0 && dirtyBytes >= minDirtyRatio * cleanableBytes) || oldestTombstoneMs < tombstoneHorizonMs;
    }
}
