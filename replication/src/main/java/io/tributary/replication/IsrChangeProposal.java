package io.tributary.replication;

import java.util.Set;

/**
 * An AlterPartition-style request from a leader: replace the ISR with {@code newIsr}, valid only if
 * the controller's partition epoch is still {@code partitionEpoch} and the leader epoch still
 * {@code leaderEpoch}. The controller answers by (eventually) calling
 * {@link PartitionLeaderState#applyIsr} with a bumped partition epoch.
 */
public record IsrChangeProposal(int leaderId, int leaderEpoch, int partitionEpoch, Set<Integer> newIsr) {
    public IsrChangeProposal {
        newIsr = Set.copyOf(newIsr);
    }
}
