package io.tributary.broker.partition;

import io.tributary.broker.log.IoThrottle;

/**
 * The log verifier: after start-up, reads and checks the part of each hosted log that recovery took
 * from a replica state snapshot instead of reading it (a flipped bit, a segment truncated or rolled
 * back while the node was down), so that start-up time does not grow with the logs and damage is
 * still found. It runs on a thread of its own at a bounded byte rate, so that it cannot starve
 * produce and fetch; {@link PartitionManager#verifyLogs} decides what happens next.
 */
public final class LogVerifier {
    private final IoThrottle throttle;
    private volatile boolean stopped;

    /** @param ioMaxBytesPerSecond the rate at which it reads (log.verifier.io.max.bytes.per.second) */
    public LogVerifier(long ioMaxBytesPerSecond) {
        this.throttle = new IoThrottle(ioMaxBytesPerSecond);
    }

    /**
     * Verifies every hosted log that awaits it, one after another.
     *
     * @return how many logs were verified; a stop ends the pass early
     */
    public int verifyAll(PartitionManager partitions) {
        throttle.reset();
        try {
            return partitions.verifyLogs(bytes -> {
                if (stopped) {
                    throw new InterruptedException("the log verifier was stopped");
                }
                throttle.acquire(bytes);
            });
        } catch (InterruptedException stop) {
            return 0; // the node is stopping: the next start verifies again
        }
    }

    /** Ends a pass in progress at its next read; never interrupts I/O (it would close a shared file channel). */
    public void stop() {
        stopped = true;
    }
}
