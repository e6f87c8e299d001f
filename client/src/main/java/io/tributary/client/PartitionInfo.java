package io.tributary.client;

import java.util.List;

/** A partition as metadata describes it; {@code leaderId} is -1 when it has no leader. */
public record PartitionInfo(String topic, int partition, int leaderId, int leaderEpoch, List<Integer> replicas,
                            List<Integer> isr) {
    public PartitionInfo {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }
}
