package io.tributary.broker.log;

/**
 * What one {@link PartitionLog#append} wrote.
 *
 * @param firstOffset base offset assigned to the first batch
 * @param lastOffset last offset of the last batch; {@code lastOffset + 1} is the end offset to pass to
 *                   {@link LogManager#awaitDurable}
 * @param maxTimestamp largest batch max timestamp among the appended batches
 * @param batchCount number of batches
 * @param sizeInBytes bytes written
 * @param logAppendTimeMs the time the leader stamped the batches with (LogAppendTime topics), else -1
 */
public record AppendInfo(long firstOffset, long lastOffset, long maxTimestamp, int batchCount, int sizeInBytes,
                         long logAppendTimeMs) {
    /** The log end offset right after this append. */
    public long endOffset() {
        return lastOffset + 1;
    }
}
