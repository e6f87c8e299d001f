package io.tributary.broker.log;

import java.io.IOException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Counts and times the segment fsyncs of one node's logs: the count for tests and the fsyncs/s
 * metric, each fsync's duration for whoever observes them (the broker's fsync latency timer).
 * Shared by every {@link PartitionLog} of a {@link LogManager}.
 */
public final class FsyncStats {
    /** An fsync to time. */
    @FunctionalInterface
    interface Fsync {
        void run() throws IOException;
    }

    private final LongAdder count = new LongAdder();
    private volatile LongConsumer durationNanosObserver = nanos -> { };

    /** Runs {@code fsync}, then counts it and reports its duration. A failed fsync is not counted. */
    void time(Fsync fsync) throws IOException {
        long startNanos = System.nanoTime();
        fsync.run();
        count.increment();
        durationNanosObserver.accept(System.nanoTime() - startNanos);
    }

    /** Segment fsyncs since the logs were opened. */
    public long count() {
        return count.sum();
    }

    /** Receives each later fsync's duration in nanoseconds (one observer; the last set wins). */
    public void observeDurations(LongConsumer observer) {
        durationNanosObserver = observer;
    }
}
