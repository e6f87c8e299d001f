package io.tributary.client;

/** Where a consumer starts a partition that has no position, or whose position fell out of range. */
public enum AutoOffsetReset {
    /** The log start offset. */
    EARLIEST,
    /** The log end offset: only records produced from now on. */
    LATEST,
    /** No reset: {@code poll} throws {@link NoOffsetForPartitionException} or {@link OffsetOutOfRangeException}. */
    NONE
}
