package io.tributary.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.metadata.UnusedPorts.PortRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnusedPortsTest {

    @Test
    void aDefaultEphemeralRangeLeavesTheStretchBelowIt() {
        assertThat(UnusedPorts.safeStretch(new PortRange(32_768, 60_999), List.of()))
                .contains(new PortRange(10_000, 32_767));
    }

    @Test
    void aRangeCoveringEverythingFallsBackToReservedPorts() {
        List<PortRange> reserved = UnusedPorts.parseReserved("20000-29999,30100\n");
        assertThat(reserved).containsExactly(new PortRange(20_000, 29_999), new PortRange(30_100, 30_100));
        assertThat(UnusedPorts.safeStretch(new PortRange(1_024, 65_535), reserved))
                .contains(new PortRange(20_000, 29_999));
    }

    @Test
    void aRangeStartingLowUsesTheStretchAboveIt() {
        assertThat(UnusedPorts.safeStretch(new PortRange(1_024, 50_000), List.of()))
                .contains(new PortRange(50_001, 65_535));
    }

    @Test
    void noStretchLeftMeansNone() {
        assertThat(UnusedPorts.safeStretch(new PortRange(1_024, 65_000), UnusedPorts.parseReserved("")))
                .isEmpty();
    }

    @Test
    void aPickedPortIsBindableAndNotHandedOutTwice() throws Exception {
        int first = UnusedPorts.pick("127.0.0.1");
        int second = UnusedPorts.pick("127.0.0.1");
        assertThat(first).isNotEqualTo(second);
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.bind(new java.net.InetSocketAddress("127.0.0.1", first));
            assertThat(socket.getLocalPort()).isEqualTo(first);
        }
    }
}
