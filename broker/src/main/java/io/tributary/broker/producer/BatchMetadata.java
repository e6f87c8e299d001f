package io.tributary.broker.producer;

/**
 * What the broker remembers of one appended idempotent batch, enough to recognise a retry of it and
 * answer with its original offsets: the batch's sequence range and the offsets it was given.
 *
 * @param firstSequence the batch's base sequence
 * @param lastSequence  its last sequence (wrapping past {@link Integer#MAX_VALUE} to 0)
 * @param firstOffset   the base offset the log assigned
 * @param lastOffset    the offset of its last record
 */
public record BatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset) {
}
