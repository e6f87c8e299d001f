package io.tributary.broker.producer.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.replication.sim.SimulationSeeds;
import org.junit.jupiter.api.Test;

/**
 * Seeded producer simulation (see {@link ProducerSimulation}). CI runs 300 seeds; more with
 * {@code -Dtributary.sim.seeds=N}, one with {@code -Dtributary.sim.seed=S}.
 */
class ProducerSimulationTest {

    @Test
    void seeds() {
        long acked = 0;
        long sent = 0;
        long failovers = 0;
        for (long seed : SimulationSeeds.chosen(300)) {
            ProducerSimulation sim = new ProducerSimulation(seed);
            sim.run();
            acked += sim.acknowledged();
            sent += sim.sentCount();
            failovers += sim.failovers;
        }
        // the simulation must make progress and fail over, or it checks nothing
        assertThat(acked).isGreaterThan(sent / 2);
        assertThat(failovers).isPositive();
    }

    @Test
    void sameSeedSameHistory() {
        ProducerSimulation a = new ProducerSimulation(11);
        ProducerSimulation b = new ProducerSimulation(11);
        a.run();
        b.run();
        assertThat(a.trace).isEqualTo(b.trace);
        assertThat(a.acknowledged()).isEqualTo(b.acknowledged());
    }
}
