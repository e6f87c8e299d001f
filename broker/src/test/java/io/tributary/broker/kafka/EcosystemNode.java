package io.tributary.broker.kafka;

import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.group.classic.ClassicGroupConfig;
import java.nio.file.Path;

/** Test support: the node Kafka's ecosystem tests run against (Streams, Connect, MirrorMaker 2). */
final class EcosystemNode {
    private EcosystemNode() {
    }

    /**
     * One node on ephemeral ports with a 4-partition offsets topic; its classic groups do not wait
     * {@code group.initial.rebalance.delay.ms} (as Kafka's own integration tests set it).
     */
    static NodeConfig config(Path dataDir) {
        return NodeConfig.ephemeral(dataDir).withGroups(new NodeConfig.Groups(4, 1, 6_000, 500, 100, 4096)
                .withClassic(new ClassicGroupConfig(6_000, 300_000, 0, Integer.MAX_VALUE)));
    }
}
