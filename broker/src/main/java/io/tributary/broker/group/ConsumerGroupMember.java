package io.tributary.broker.group;

import io.tributary.proto.group.v1.CurrentMemberAssignmentValue;
import io.tributary.proto.group.v1.MemberMetadataValue;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One member of a consumer group as the coordinator knows it: what it subscribes to (its metadata)
 * and what it owns at which epoch (its current assignment). Immutable; each change is a new member,
 * built from the record that carries it.
 *
 * @param memberEpoch         the epoch of the assignment the member is at; 0 before its first
 * @param previousMemberEpoch the epoch before that, accepted once more from a member whose last
 *                            heartbeat response was lost
 * @param assigned            the partitions the member owns and may consume
 * @param pendingRevocation   partitions the member still owns but was asked to give up
 * @param leftTemporarily     a static member that left for now (it keeps its partitions until its
 *                            session expires or its instance id joins again)
 */
public record ConsumerGroupMember(
        String memberId,
        MemberMetadataValue metadata,
        int memberEpoch,
        int previousMemberEpoch,
        MemberState state,
        Assignment assigned,
        Assignment pendingRevocation,
        boolean leftTemporarily) {

    public static ConsumerGroupMember joining(String memberId, MemberMetadataValue metadata) {
        return new ConsumerGroupMember(memberId, metadata, 0, 0, MemberState.STABLE, Assignment.EMPTY,
                Assignment.EMPTY, false);
    }

    public String instanceId() {
        return metadata.getInstanceId();
    }

    public boolean isStatic() {
        return !metadata.getInstanceId().isEmpty();
    }

    public List<String> subscribedTopicNames() {
        return metadata.getSubscribedTopicNamesList();
    }

    /** Whether the member subscribes to {@code topic}, by name or by its regular expression. */
    public boolean subscribesTo(String topic, Pattern regex) {
        return metadata.getSubscribedTopicNamesList().contains(topic) || (regex != null && regex.matcher(topic).matches());
    }

    /** Everything the member may still be consuming: no other member may own any of it. */
    public Assignment owned() {
        return assigned.union(pendingRevocation);
    }

    public ConsumerGroupMember withMetadata(MemberMetadataValue newMetadata) {
        return new ConsumerGroupMember(memberId, newMetadata, memberEpoch, previousMemberEpoch, state, assigned,
                pendingRevocation, leftTemporarily);
    }

    public ConsumerGroupMember withCurrentAssignment(CurrentMemberAssignmentValue value) {
        return new ConsumerGroupMember(memberId, metadata, value.getMemberEpoch(), value.getPreviousMemberEpoch(),
                MemberState.ofCode(value.getState()), Assignment.fromStored(value.getAssignedList()),
                Assignment.fromStored(value.getPendingRevocationList()), value.getLeftTemporarily());
    }

    public ConsumerGroupMember withAssignment(int newEpoch, int newPreviousEpoch, MemberState newState,
                                              Assignment newAssigned, Assignment newPendingRevocation) {
        return new ConsumerGroupMember(memberId, metadata, newEpoch, newPreviousEpoch, newState, newAssigned,
                newPendingRevocation, false);
    }

    public ConsumerGroupMember leavingTemporarily() {
        return new ConsumerGroupMember(memberId, metadata, memberEpoch, previousMemberEpoch, state, assigned,
                pendingRevocation, true);
    }

    /** The same member under another id: a static member's instance joining again. */
    public ConsumerGroupMember replacedBy(String newMemberId, MemberMetadataValue newMetadata) {
        return new ConsumerGroupMember(newMemberId, newMetadata, memberEpoch, previousMemberEpoch, state, assigned,
                pendingRevocation, false);
    }

    public CurrentMemberAssignmentValue currentAssignmentValue() {
        return CurrentMemberAssignmentValue.newBuilder()
                .setMemberEpoch(memberEpoch)
                .setPreviousMemberEpoch(previousMemberEpoch)
                .setState(state.code())
                .addAllAssigned(assigned.toStored())
                .addAllPendingRevocation(pendingRevocation.toStored())
                .setLeftTemporarily(leftTemporarily)
                .build();
    }

    /** True when the two members' current assignments (what the CurrentMemberAssignment record holds) differ. */
    public boolean assignmentDiffers(ConsumerGroupMember other) {
        return memberEpoch != other.memberEpoch || previousMemberEpoch != other.previousMemberEpoch
                || state != other.state || !assigned.equals(other.assigned)
                || !pendingRevocation.equals(other.pendingRevocation) || leftTemporarily != other.leftTemporarily;
    }
}
