package io.tributary.cli.local;

import io.tributary.metadata.UnusedPorts;
import java.io.IOException;
import java.util.List;

/**
 * Where a {@link LocalProcessCluster} node lives on the network and how its process is launched:
 * on its own loopback address with picked ports ({@link #loopback()}), or inside a network
 * namespace that a fault-injection harness created (an address on its bridge, fixed ports, a
 * launch prefix such as {@code ip netns exec <ns>}).
 */
public interface NodePlacement {

    /** The address the node binds and advertises. */
    String host(int nodeId);

    int clientPort(int nodeId) throws IOException;

    int controllerPort(int nodeId) throws IOException;

    /** The node's Kafka-protocol listener port (kafka.port). */
    int kafkaPort(int nodeId) throws IOException;

    /** Words put before the {@code java} command line (empty: launch directly). */
    List<String> launchPrefix(int nodeId);

    /** Node n on 127.0.0.n, ports picked below the kernel's ephemeral range, launched directly. */
    static NodePlacement loopback() {
        return new NodePlacement() {
            @Override
            public String host(int nodeId) {
                return "127.0.0." + nodeId;
            }

            @Override
            public int clientPort(int nodeId) throws IOException {
                return UnusedPorts.pick(host(nodeId));
            }

            @Override
            public int controllerPort(int nodeId) throws IOException {
                return UnusedPorts.pick(host(nodeId));
            }

            @Override
            public int kafkaPort(int nodeId) throws IOException {
                return UnusedPorts.pick(host(nodeId));
            }

            @Override
            public List<String> launchPrefix(int nodeId) {
                return List.of();
            }
        };
    }
}
