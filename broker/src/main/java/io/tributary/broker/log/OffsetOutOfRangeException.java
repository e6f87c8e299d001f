package io.tributary.broker.log;

/** A fetch offset outside {@code [logStartOffset, logEndOffset]}; maps to {@code OFFSET_OUT_OF_RANGE}. */
public class OffsetOutOfRangeException extends RuntimeException {
    private final long offset;
    private final long logStartOffset;
    private final long logEndOffset;

    public OffsetOutOfRangeException(String partition, long offset, long logStartOffset, long logEndOffset) {
        super("offset " + offset + " is outside [" + logStartOffset + ", " + logEndOffset + "] of " + partition);
        this.offset = offset;
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logEndOffset;
    }

    public long offset() {
        return offset;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }
}
