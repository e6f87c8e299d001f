package io.tributary.broker.log;

import java.util.Objects;

/**
 * Per-partition settings taken from topic configs.
 *
 * @param segmentBytes roll a new segment when an append would grow the active one past this size
 *                     (a single append larger than it still goes into one, fresh segment); at most
 *                     {@link Integer#MAX_VALUE} bytes are used since segment positions are ints
 * @param maxMessageBytes the largest record batch accepted, header included (Kafka's max.message.bytes)
 * @param flushPolicy when appends count as durable
 * @param flushIntervalMs how often {@link FlushPolicy#INTERVAL} logs are fsynced
 * @param logAppendTime the leader stamps each batch with its append time (message.timestamp.type=LogAppendTime)
 */
public record LogConfig(long segmentBytes, int maxMessageBytes, FlushPolicy flushPolicy, long flushIntervalMs,
                        boolean logAppendTime) {
    public static final long DEFAULT_SEGMENT_BYTES = 1L << 30;
    /** Kafka's default max.message.bytes: 1 MiB plus the 12-byte log overhead. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1048588;
    public static final long DEFAULT_FLUSH_INTERVAL_MS = 1000L;
    /** The smallest segment size accepted: one batch header. */
    public static final long MIN_SEGMENT_BYTES = 61;

    public LogConfig {
        Objects.requireNonNull(flushPolicy, "flushPolicy");
        if (segmentBytes < MIN_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segment.bytes " + segmentBytes + " is below the minimum " + MIN_SEGMENT_BYTES);
        }
        if (maxMessageBytes < 0) {
            throw new IllegalArgumentException("max.message.bytes " + maxMessageBytes + " is negative");
        }
        if (flushIntervalMs < 1) {
            throw new IllegalArgumentException("flush interval " + flushIntervalMs + " ms must be at least 1 ms");
        }
    }

    /** Segment 1 GiB, max.message.bytes 1048588, fsync before ack, interval 1000 ms, CreateTime. */
    public static LogConfig defaults() {
        return new LogConfig(DEFAULT_SEGMENT_BYTES, DEFAULT_MAX_MESSAGE_BYTES, FlushPolicy.ACK, DEFAULT_FLUSH_INTERVAL_MS,
                false);
    }

    public LogConfig withSegmentBytes(long bytes) {
        return new LogConfig(bytes, maxMessageBytes, flushPolicy, flushIntervalMs, logAppendTime);
    }

    public LogConfig withMaxMessageBytes(int bytes) {
        return new LogConfig(segmentBytes, bytes, flushPolicy, flushIntervalMs, logAppendTime);
    }

    public LogConfig withFlushPolicy(FlushPolicy policy, long intervalMs) {
        return new LogConfig(segmentBytes, maxMessageBytes, policy, intervalMs, logAppendTime);
    }

    public LogConfig withLogAppendTime(boolean stamp) {
        return new LogConfig(segmentBytes, maxMessageBytes, flushPolicy, flushIntervalMs, stamp);
    }
}
