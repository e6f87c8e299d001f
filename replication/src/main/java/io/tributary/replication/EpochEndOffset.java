package io.tributary.replication;

/**
 * An answer to OffsetsForLeaderEpoch (KIP-101/KIP-279): the largest epoch not greater than the
 * requested one that the replica knows, and the end offset (exclusive) of that epoch on its log.
 * {@link #UNDEFINED} when the epoch is unknown.
 */
public record EpochEndOffset(int epoch, long endOffset) {
    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_OFFSET = -1L;
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_OFFSET);

    public boolean isUndefined() {
        return epoch == UNDEFINED_EPOCH || endOffset == UNDEFINED_OFFSET;
    }
}
