package io.tributary.replication;

/**
 * A truncation point below the replica's high watermark was computed. Nothing below the high
 * watermark may ever be truncated; reaching this means replicas diverged on committed data, so the
 * caller must stop the replica rather than truncate.
 */
public final class TruncationBelowHighWatermarkException extends IllegalStateException {
    private final long truncationOffset;
    private final long highWatermark;

    public TruncationBelowHighWatermarkException(long truncationOffset, long highWatermark, String detail) {
        super("refusing to truncate to " + truncationOffset + " below the high watermark " + highWatermark + ": " + detail);
        this.truncationOffset = truncationOffset;
        this.highWatermark = highWatermark;
    }

    public long truncationOffset() {
        return truncationOffset;
    }

    public long highWatermark() {
        return highWatermark;
    }
}
