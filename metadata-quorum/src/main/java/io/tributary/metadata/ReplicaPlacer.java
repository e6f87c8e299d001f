package io.tributary.metadata;

import java.util.ArrayList;
import java.util.List;

/**
 * Round-robin replica placement, pure and deterministic. The brokers are taken sorted by id;
 * partition {@code p} starts at broker index {@code (p + shift) mod n} and takes the next
 * {@code replicationFactor} brokers. The first replica is the preferred leader, so leaders and
 * replicas spread evenly; {@code shift} (derived from the topic) keeps single-partition topics
 * from all leading on the lowest broker id.
 */
final class ReplicaPlacer {
    private ReplicaPlacer() {
    }

    /** Replica lists for partitions {@code 0..numPartitions-1}; requires {@code 1 <= rf <= brokers}. */
    static List<List<Integer>> place(List<Integer> sortedBrokerIds, int numPartitions, int replicationFactor,
                                     int shift) {
        int n = sortedBrokerIds.size();
        if (replicationFactor < 1 || replicationFactor > n) {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " with " + n + " brokers");
        }
        List<List<Integer>> assignments = new ArrayList<>(numPartitions);
        for (int p = 0; p < numPartitions; p++) {
            int start = Math.floorMod(p + shift, n);
            List<Integer> replicas = new ArrayList<>(replicationFactor);
            for (int r = 0; r < replicationFactor; r++) {
                replicas.add(sortedBrokerIds.get((start + r) % n));
            }
            assignments.add(List.copyOf(replicas));
        }
        return assignments;
    }
}
