package io.tributary.replication.sim;

import java.util.stream.LongStream;

/**
 * Which seeds a seeded simulation runs: {@code -Dtributary.sim.seed=N} runs one (to reproduce a
 * failure), {@code -Dtributary.sim.seeds=COUNT} and {@code -Dtributary.sim.firstSeed=FIRST} a range,
 * else the CI default. Shared by every simulation test (the broker module uses this module's test jar).
 */
public final class SimulationSeeds {
    private SimulationSeeds() {
    }

    public static long[] chosen(int defaultCount) {
        String single = System.getProperty("tributary.sim.seed");
        if (single != null) {
            return new long[] {Long.parseLong(single)};
        }
        long first = Long.getLong("tributary.sim.firstSeed", 0L);
        int count = Integer.getInteger("tributary.sim.seeds", defaultCount);
        return LongStream.range(first, first + count).toArray();
    }
}
