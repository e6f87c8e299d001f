package io.tributary.metadata;

import java.util.List;

/** A partition's replica assignment and leadership state. */
public record PartitionRegistration(int partition, List<Integer> replicas, List<Integer> isr, int leader,
                                    int leaderEpoch, int partitionEpoch) {
    public PartitionRegistration {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }
}
