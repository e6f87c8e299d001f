package io.tributary.metadata;

import java.util.List;

/**
 * A partition's replica assignment and leadership state.
 *
 * @param leader the leader's broker id, {@link #NO_LEADER} when none
 */
public record PartitionRegistration(int partition, List<Integer> replicas, List<Integer> isr, int leader,
                                    int leaderEpoch, int partitionEpoch) {
    public static final int NO_LEADER = -1;

    public PartitionRegistration {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }
}
