package io.tributary.broker.log;

/**
 * Holds a background reader or writer (the cleaner, the log verifier) to a byte rate by sleeping
 * when it runs ahead: rate limiting, not synchronisation. One thread uses one throttle.
 */
public final class IoThrottle {
    private final long bytesPerSecond;
    private long startNanos = System.nanoTime();
    private long bytes;

    public IoThrottle(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("bytesPerSecond must be positive: " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Starts counting afresh: time spent idle is no credit for a burst. */
    public void reset() {
        startNanos = System.nanoTime();
        bytes = 0;
    }

    /** Counts {@code more} bytes, sleeping first while they would exceed the rate. */
    public void acquire(long more) throws InterruptedException {
        bytes += more;
        long dueNanos = (long) (bytes * 1e9 / bytesPerSecond);
        long aheadNanos = dueNanos - (System.nanoTime() - startNanos);
        if (aheadNanos > 1_000_000) {
            Thread.sleep(Math.min(aheadNanos / 1_000_000, 100)); // short naps: a stop is seen soon
        }
    }
}
