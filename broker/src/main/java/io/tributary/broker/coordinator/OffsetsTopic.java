package io.tributary.broker.coordinator;

import java.util.Map;

/**
 * The internal topic that holds consumer groups: its name, its settings, and which of its
 * partitions holds a group (that partition's leader is the group's coordinator).
 */
public final class OffsetsTopic {
    public static final String NAME = "__consumer_offsets";
    /** Kafka's segment size for the topic: big enough that the cleaner, not segment rolls, keeps it small. */
    private static final String SEGMENT_BYTES = Integer.toString(100 * 1024 * 1024);

    private OffsetsTopic() {
    }

    /** The partition of the offsets topic that holds {@code groupId} (as Kafka places it). */
    public static int partitionFor(String groupId, int partitionCount) {
        return (groupId.hashCode() & 0x7fffffff) % partitionCount;
    }

    /**
     * The replication factor to create the topic with: the configured one, or fewer on a smaller
     * cluster (a single node runs groups too), never more than there are brokers.
     */
    public static int replicationFactor(int configured, int brokers) {
        return Math.max(1, Math.min(configured, brokers));
    }

    /** Compacted (the latest record of each key is the state), with min.insync.replicas 2 where RF allows. */
    public static Map<String, String> configs(int replicationFactor) {
        return Map.of("cleanup.policy", "compact",
                "min.insync.replicas", Integer.toString(Math.min(2, replicationFactor)),
                "segment.bytes", SEGMENT_BYTES,
                "compression.type", "producer");
    }
}
