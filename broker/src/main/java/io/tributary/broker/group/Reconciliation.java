package io.tributary.broker.group;

import io.tributary.proto.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The next step of one member towards its target assignment (KIP-848's reconciliation). A member
 * first gives up what its target no longer holds, keeping its epoch until it says it did; only
 * then does it move to the target epoch and take the new partitions, and of those only the ones no
 * other member still owns. So a partition has at most one owner at any time, and a member whose
 * partitions do not move is never asked to stop.
 */
public final class Reconciliation {
    private Reconciliation() {
    }

    /**
     * @param member         the member as the coordinator knows it
     * @param owned          what the member says it owns in this heartbeat
     * @param targetEpoch    the group's assignment epoch
     * @param target         the member's target assignment at that epoch
     * @param ownedByAnother whether a partition is still owned by another member (assigned to it or
     *                       pending its revocation)
     */
    public static ConsumerGroupMember next(ConsumerGroupMember member, Assignment owned, int targetEpoch,
                                           Assignment target, Predicate<TopicPartition> ownedByAnother) {
        if (member.state() == MemberState.UNREVOKED_PARTITIONS) {
            if (owned.intersects(member.pendingRevocation())) {
                return member; // still giving them up
            }
            member = member.withAssignment(member.memberEpoch(), member.previousMemberEpoch(), MemberState.STABLE,
                    member.assigned(), Assignment.EMPTY);
        }
        if (member.memberEpoch() == targetEpoch && member.state() == MemberState.STABLE && member.assigned().equals(target)) {
            return member;
        }
        Assignment keep = member.assigned().intersect(target);
        Assignment revoke = member.assigned().minus(target);
        if (!revoke.isEmpty()) {
            return member.withAssignment(member.memberEpoch(), member.previousMemberEpoch(),
                    MemberState.UNREVOKED_PARTITIONS, keep, revoke);
        }
        List<TopicPartition> free = new ArrayList<>();
        boolean unreleased = false;
        for (TopicPartition tp : target.minus(member.assigned())) {
            if (ownedByAnother.test(tp)) {
                unreleased = true;
            } else {
                free.add(tp);
            }
        }
        int previousEpoch = member.memberEpoch() == targetEpoch ? member.previousMemberEpoch() : member.memberEpoch();
        return member.withAssignment(targetEpoch, previousEpoch,
                unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE,
                keep.union(Assignment.of(free)), Assignment.EMPTY);
    }
}
