package io.tributary.chaos.nemesis;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A fault schedule's seeded randomness and its pacing: how long the quiet spell before a fault
 * and the fault itself last, drawn from the seed. Pauses here are the schedule's chosen timing;
 * nothing is awaited (what a heal must wait for, the schedules await on a condition).
 */
public final class FaultPacing {
    private final Random random;

    public FaultPacing(long seed) {
        this.random = new Random(seed);
    }

    /** The schedule's random source: the same seed plays the same faults on the same targets. */
    public Random random() {
        return random;
    }

    /** Holds for a time drawn between {@code minMs} and {@code maxMs}. */
    public void pause(long minMs, long maxMs) throws InterruptedException {
        long ms = minMs + (maxMs > minMs ? (long) (random.nextDouble() * (maxMs - minMs)) : 0);
        TimeUnit.MILLISECONDS.sleep(ms);
    }
}
