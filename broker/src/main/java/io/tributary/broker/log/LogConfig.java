package io.tributary.broker.log;

import java.util.Objects;

/**
 * Per-partition settings taken from topic configs.
 *
 * @param segmentBytes roll a new segment when an append would grow the active one past this size
 *                     (a single append larger than it still goes into one, fresh segment); at most
 *                     {@link Integer#MAX_VALUE} bytes are used since segment positions are ints
 * @param segmentMs roll a new segment when an append's max timestamp is more than this past the
 *                  max timestamp of the active segment's first batch (Kafka's segment.ms: record
 *                  time, not wall-clock time, so that a replica rolls where its leader did)
 * @param maxMessageBytes the largest record batch accepted, header included (Kafka's max.message.bytes)
 * @param flushPolicy when appends count as durable
 * @param flushIntervalMs how often {@link FlushPolicy#INTERVAL} logs are fsynced
 * @param logAppendTime the leader stamps each batch with its append time (message.timestamp.type=LogAppendTime)
 * @param retention what old segments the retention task deletes
 * @param compaction whether and how the cleaner compacts the log (cleanup.policy contains {@code compact})
 * @param compression the codec batches are stored with (compression.type)
 */
public record LogConfig(long segmentBytes, long segmentMs, int maxMessageBytes, FlushPolicy flushPolicy,
                        long flushIntervalMs, boolean logAppendTime, Retention retention, Compaction compaction,
                        TopicCompression compression) {
    public static final long DEFAULT_SEGMENT_BYTES = 1L << 30;
    /** Kafka's default segment.ms: 7 days. */
    public static final long DEFAULT_SEGMENT_MS = 604_800_000L;
    /** Kafka's default max.message.bytes: 1 MiB plus the 12-byte log overhead. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1048588;
    public static final long DEFAULT_FLUSH_INTERVAL_MS = 1000L;
    /** The smallest segment size accepted: one batch header. */
    public static final long MIN_SEGMENT_BYTES = 61;

    /**
     * Which whole segments retention deletes (cleanup.policy containing {@code delete}).
     *
     * @param enabled  false for a compact-only topic: nothing is deleted by age or size
     * @param ms       delete segments whose records are all older than this; -1: keep forever
     * @param bytes    delete the oldest segments while the partition is larger than this; -1: no limit
     */
    public record Retention(boolean enabled, long ms, long bytes) {
        /** Kafka's defaults: 7 days, no size limit. */
        public static final Retention DEFAULT = new Retention(true, 604_800_000L, -1L);
        public static final Retention NONE = new Retention(false, -1L, -1L);

        public Retention {
            if (ms < -1 || bytes < -1) {
                throw new IllegalArgumentException("retention.ms " + ms + " and retention.bytes " + bytes
                        + " must be >= -1");
            }
        }
    }

    /**
     * What the cleaner keeps of a compacted log (cleanup.policy containing {@code compact}).
     *
     * @param enabled               the latest record of each key is kept; every record needs a key
     * @param deleteRetentionMs     a tombstone (null value) is removed once its timestamp is this far in the past
     * @param minCleanableDirtyRatio clean once this share of the cleanable bytes was written since the last cleaning
     * @param minLagMs              a segment is cleaned only once its last batch is this old (min.compaction.lag.ms)
     */
    public record Compaction(boolean enabled, long deleteRetentionMs, double minCleanableDirtyRatio, long minLagMs) {
        /** Kafka's defaults: one day for tombstones, half the log dirty, no lag. */
        public static final Compaction NONE = new Compaction(false, 86_400_000L, 0.5, 0);
        public static final Compaction DEFAULT = new Compaction(true, 86_400_000L, 0.5, 0);

        public Compaction {
            if (deleteRetentionMs < 0 || minLagMs < 0 || !(minCleanableDirtyRatio >= 0 && minCleanableDirtyRatio <= 1)) {
                throw new IllegalArgumentException("delete.retention.ms " + deleteRetentionMs + " and min.compaction.lag.ms "
                        + minLagMs + " must be >= 0 and min.cleanable.dirty.ratio " + minCleanableDirtyRatio + " from 0 to 1");
            }
        }
    }

    public LogConfig {
        Objects.requireNonNull(flushPolicy, "flushPolicy");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(compaction, "compaction");
        if (segmentBytes < MIN_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segment.bytes " + segmentBytes + " is below the minimum " + MIN_SEGMENT_BYTES);
        }
        if (segmentMs < 1) {
            throw new IllegalArgumentException("segment.ms " + segmentMs + " must be at least 1 ms");
        }
        if (maxMessageBytes < 0) {
            throw new IllegalArgumentException("max.message.bytes " + maxMessageBytes + " is negative");
        }
        if (flushIntervalMs < 1) {
            throw new IllegalArgumentException("flush interval " + flushIntervalMs + " ms must be at least 1 ms");
        }
    }

    /**
     * Segment 1 GiB or 7 days, max.message.bytes 1048588, fsync before ack, CreateTime, 7 days
     * retention, not compacted, batches kept as their producer compressed them.
     */
    public static LogConfig defaults() {
        return new LogConfig(DEFAULT_SEGMENT_BYTES, DEFAULT_SEGMENT_MS, DEFAULT_MAX_MESSAGE_BYTES, FlushPolicy.ACK,
                DEFAULT_FLUSH_INTERVAL_MS, false, Retention.DEFAULT, Compaction.NONE, TopicCompression.PRODUCER);
    }

    public LogConfig withSegmentBytes(long bytes) {
        return new LogConfig(bytes, segmentMs, maxMessageBytes, flushPolicy, flushIntervalMs, logAppendTime, retention,
                compaction, compression);
    }

    public LogConfig withSegmentMs(long ms) {
        return new LogConfig(segmentBytes, ms, maxMessageBytes, flushPolicy, flushIntervalMs, logAppendTime, retention,
                compaction, compression);
    }

    public LogConfig withMaxMessageBytes(int bytes) {
        return new LogConfig(segmentBytes, segmentMs, bytes, flushPolicy, flushIntervalMs, logAppendTime, retention,
                compaction, compression);
    }

    public LogConfig withFlushPolicy(FlushPolicy policy, long intervalMs) {
        return new LogConfig(segmentBytes, segmentMs, maxMessageBytes, policy, intervalMs, logAppendTime, retention,
                compaction, compression);
    }

    public LogConfig withLogAppendTime(boolean stamp) {
        return new LogConfig(segmentBytes, segmentMs, maxMessageBytes, flushPolicy, flushIntervalMs, stamp, retention,
                compaction, compression);
    }

    public LogConfig withRetention(Retention newRetention) {
        return new LogConfig(segmentBytes, segmentMs, maxMessageBytes, flushPolicy, flushIntervalMs, logAppendTime,
                newRetention, compaction, compression);
    }

    public LogConfig withCompaction(Compaction newCompaction) {
        return new LogConfig(segmentBytes, segmentMs, maxMessageBytes, flushPolicy, flushIntervalMs, logAppendTime,
                retention, newCompaction, compression);
    }

    public LogConfig withCompression(TopicCompression codec) {
        return new LogConfig(segmentBytes, segmentMs, maxMessageBytes, flushPolicy, flushIntervalMs, logAppendTime,
                retention, compaction, codec);
    }
}
