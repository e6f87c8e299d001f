package io.tributary.replication.sim;

import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded replication simulation (STYLE 9-11). CI runs 2,000 seeds; more with
 * {@code -Dtributary.sim.seeds=10000}, one with {@code -Dtributary.sim.seed=N}.
 */
class ReplicationSimulationTest {

    @Test
    void seeds() {
        long acked = 0;
        long produced = 0;
        for (long seed : SimulationSeeds.chosen(2_000)) {
            ReplicationSimulation sim = new ReplicationSimulation(seed);
            sim.run();
            acked += sim.ackedCount();
            produced += sim.producedCount();
        }
        // the simulation must make progress, or it checks nothing
        assertThat(acked).isGreaterThan(produced / 10);
    }

    @Test
    void sameSeedSameHistory() {
        ReplicationSimulation a = new ReplicationSimulation(7);
        ReplicationSimulation b = new ReplicationSimulation(7);
        a.run();
        b.run();
        assertThat(a.trace).isEqualTo(b.trace);
        assertThat(a.ackedCount()).isEqualTo(b.ackedCount());
    }
}
