package io.tributary.metadata;

import java.util.List;
import java.util.OptionalInt;

/**
 * The metadata quorum as one node sees it.
 *
 * @param leaderId the active controller, if known
 * @param term this node's current Raft term
 * @param commitIndex this node's commit index (on the leader: the quorum's)
 * @param voters every voter, in configuration order
 */
public record QuorumStatus(OptionalInt leaderId, long term, long commitIndex, List<VoterStatus> voters) {
    public QuorumStatus {
        voters = List.copyOf(voters);
    }
}
