package io.tributary.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BrokerMetricsTest {
    @Test
    void anIsrChangeCountsAsAShrinkOrAnExpansionBySize() {
        try (BrokerMetrics metrics = new BrokerMetrics()) {
            metrics.recordIsrChange(3, 2);
            metrics.recordIsrChange(2, 1);
            metrics.recordIsrChange(1, 3);
            metrics.recordIsrChange(2, 2); // same size, other members: neither
            assertThat(metrics.registry().get("tributary.isr.shrinks").counter().count()).isEqualTo(2);
            assertThat(metrics.registry().get("tributary.isr.expands").counter().count()).isEqualTo(1);
        }
    }

    @Test
    void theResidentSetSizeIsReadInKilobytes() {
        assertThat(ProcessResidentMemory.parseKilobytes("    123456 kB")).isEqualTo(123456);
        // on Linux, this JVM's own: more than its loaded classes take, less than the machine
        assertThat(ProcessResidentMemory.residentBytes()).isGreaterThan(16 * 1024 * 1024)
                .isLessThan(Runtime.getRuntime().maxMemory() * 4.0 + 4L * 1024 * 1024 * 1024);
    }
}
