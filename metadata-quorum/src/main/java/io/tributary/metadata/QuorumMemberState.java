package io.tributary.metadata;

import java.util.OptionalInt;

/**
 * One metadata quorum member's own account of the election, as it answered a probe: its role, the
 * leader it follows and how long ago that leader last reached it, and (for a leader) whether it is
 * ready, that is an active controller that answers broker heartbeats. A broker whose heartbeats
 * go unanswered asks every voter for this to tell an election under way from its own isolation
 * ({@link QuorumMemberProbe} reads it off Ratis's group info).
 *
 * @param leaderContactAgeMs for a follower, ms since its leader's last append or heartbeat reached
 *     it; for a candidate, ms since it last heard from any leader; 0 for a leader
 */
public record QuorumMemberState(int nodeId, Role role, boolean leaderReady, OptionalInt leader,
                                long leaderContactAgeMs) {

    public enum Role { LEADER, FOLLOWER, CANDIDATE, LISTENER }

    public static QuorumMemberState leader(int nodeId, boolean ready) {
        return new QuorumMemberState(nodeId, Role.LEADER, ready, OptionalInt.of(nodeId), 0);
    }

    public static QuorumMemberState follower(int nodeId, OptionalInt leader, long leaderContactAgeMs) {
        return new QuorumMemberState(nodeId, Role.FOLLOWER, false, leader, leaderContactAgeMs);
    }

    public static QuorumMemberState candidate(int nodeId, long lastLeaderAgeMs) {
        return new QuorumMemberState(nodeId, Role.CANDIDATE, false, OptionalInt.empty(), lastLeaderAgeMs);
    }
}
