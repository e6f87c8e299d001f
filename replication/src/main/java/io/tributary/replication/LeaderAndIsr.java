package io.tributary.replication;

import java.util.List;

/**
 * What the controller committed for one partition, as a replica acts on it: the leader and its
 * epoch are the role; the partition epoch orders ISR changes within a leader epoch.
 *
 * @param leader {@link #NO_LEADER} when the partition has none
 */
public record LeaderAndIsr(int leader, int leaderEpoch, int partitionEpoch, List<Integer> replicas, List<Integer> isr) {
    public static final int NO_LEADER = -1;

    public LeaderAndIsr {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }
}
