package io.tributary.broker.group.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.replication.sim.SimulationSeeds;
import org.junit.jupiter.api.Test;

/**
 * Seeded consumer-group simulation (see {@link GroupSimulation}). CI runs 200 seeds; more with
 * {@code -Dtributary.sim.seeds=N}, one with {@code -Dtributary.sim.seed=S}.
 */
class GroupSimulationTest {

    @Test
    void seeds() {
        long failovers = 0;
        long commits = 0;
        long deliveries = 0;
        for (long seed : SimulationSeeds.chosen(200)) {
            GroupSimulation sim = new GroupSimulation(seed);
            try {
                sim.run();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
            }
            failovers += sim.failovers;
            commits += sim.commits;
            deliveries += sim.deliveries;
        }
        // the simulation must fail over, commit and deliver, or it checks nothing
        assertThat(failovers).isPositive();
        assertThat(commits).isPositive();
        assertThat(deliveries).isPositive();
    }

    @Test
    void sameSeedSameHistory() {
        GroupSimulation a = new GroupSimulation(5);
        GroupSimulation b = new GroupSimulation(5);
        a.run();
        b.run();
        assertThat(a.trace).isEqualTo(b.trace);
    }
}
