package io.tributary.client;

/** A consumer has no position for an assigned partition and autoOffsetReset is NONE: seek first. */
public class NoOffsetForPartitionException extends OffsetOutOfRangeException {
    public NoOffsetForPartitionException(String message) {
        super(message);
    }
}
