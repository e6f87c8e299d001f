package io.tributary.broker.lifecycle;

import io.tributary.metadata.QuorumMemberState;
import io.tributary.metadata.QuorumMemberState.Role;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Whether a broker whose heartbeats go unanswered may go on acting as leader a little longer: it
 * may while no controller can fence it, which the voters' own accounts of the election show.
 *
 * <p>A controller fences a broker by committing a record, which needs a majority of voters in
 * touch with it, and a newly elected controller first gives every broker a full session from the
 * moment it becomes active. So if a majority of voters answer and none of them is an active
 * controller or has heard from a leader within an election timeout, except from a leader that
 * itself answered that it is not active yet, then no controller was in touch with a majority as
 * the answers were given, and one that becomes active later grants a whole session from then.
 * A broker that extends its lease for less than a session past the probe therefore stops (or is
 * answered by the new controller) before any controller could fence it. A broker cut off from
 * the majority gets too few answers, and one cut off only from a working controller hears of
 * that controller from the followers it reaches: in both cases its lease runs out as before.
 * Pure: no clock, no I/O.
 */
public final class ElectionLeaseRule {
    private ElectionLeaseRule() {
    }

    /** The decision and, for the log, why. */
    public record Verdict(boolean mayExtend, String reason) {
    }

    /**
     * @param voters the quorum's voter ids
     * @param answers the voters' answers to one probe (non-voters and duplicates are ignored)
     * @param contactTimeoutMs a follower that heard from its leader more recently than this is in
     *     touch with it (Raft's minimum election timeout)
     */
    public static Verdict judge(Set<Integer> voters, List<QuorumMemberState> answers, long contactTimeoutMs) {
        Map<Integer, QuorumMemberState> byVoter = new HashMap<>();
        for (QuorumMemberState answer : answers) {
            if (voters.contains(answer.nodeId())) {
                byVoter.putIfAbsent(answer.nodeId(), answer);
            }
        }
        if (byVoter.size() <= voters.size() / 2) {
            return new Verdict(false, byVoter.size() + " of " + voters.size() + " voters answered, not a majority");
        }
        for (QuorumMemberState answer : byVoter.values()) {
            if (answer.role() == Role.LEADER && answer.leaderReady()) {
                return new Verdict(false, "node " + answer.nodeId() + " is the active controller");
            }
            OptionalInt leader = answer.leader();
            boolean inTouch = answer.role() == Role.FOLLOWER && leader.isPresent()
                    && answer.leaderContactAgeMs() < contactTimeoutMs;
            if (inTouch && !answeredAsInactiveLeader(byVoter.get(leader.getAsInt()))) {
                return new Verdict(false, "node " + answer.nodeId() + " heard from leader " + leader.getAsInt() + " "
                        + answer.leaderContactAgeMs() + " ms ago");
            }
        }
        return new Verdict(true, byVoter.size() + " of " + voters.size() + " voters answered and none has an active"
                + " controller: an election is under way");
    }

    private static boolean answeredAsInactiveLeader(QuorumMemberState leader) {
        return leader != null && leader.role() == Role.LEADER && !leader.leaderReady();
    }
}
