package io.tributary.broker.group;

/**
 * A group's committed position in one partition.
 *
 * @param offset      the offset of the next record to read
 * @param leaderEpoch the leader epoch of the record before {@code offset}, -1 when unknown
 * @param metadata    the committer's free-form string
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {
}
