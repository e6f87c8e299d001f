package io.tributary.broker.group;

import io.tributary.proto.TopicPartition;
import io.tributary.proto.group.v1.CurrentMemberAssignmentKey;
import io.tributary.proto.group.v1.GroupMetadataKey;
import io.tributary.proto.group.v1.GroupMetadataValue;
import io.tributary.proto.group.v1.GroupRecordKey;
import io.tributary.proto.group.v1.MemberMetadataKey;
import io.tributary.proto.group.v1.MemberMetadataValue;
import io.tributary.proto.group.v1.OffsetCommitKey;
import io.tributary.proto.group.v1.OffsetCommitValue;
import io.tributary.proto.group.v1.TargetAssignmentMemberKey;
import io.tributary.proto.group.v1.TargetAssignmentMemberValue;
import io.tributary.proto.group.v1.TargetAssignmentMetadataKey;
import io.tributary.proto.group.v1.TargetAssignmentMetadataValue;
import java.util.Map;

/** Builds the records that carry each change of group state. */
final class GroupRecords {
    private GroupRecords() {
    }

    static GroupRecord groupMetadata(String groupId, int epoch, Map<String, Integer> subscribedTopicPartitions) {
        return new GroupRecord(groupMetadataKey(groupId), GroupMetadataValue.newBuilder().setEpoch(epoch)
                .putAllSubscribedTopicPartitions(subscribedTopicPartitions).build());
    }

    static GroupRecord groupTombstone(String groupId) {
        return new GroupRecord(groupMetadataKey(groupId), null);
    }

    static GroupRecord memberMetadata(String groupId, String memberId, MemberMetadataValue metadata) {
        return new GroupRecord(memberMetadataKey(groupId, memberId), metadata);
    }

    static GroupRecord memberMetadataTombstone(String groupId, String memberId) {
        return new GroupRecord(memberMetadataKey(groupId, memberId), null);
    }

    static GroupRecord targetAssignmentEpoch(String groupId, int epoch) {
        return new GroupRecord(targetMetadataKey(groupId),
                TargetAssignmentMetadataValue.newBuilder().setAssignmentEpoch(epoch).build());
    }

    static GroupRecord targetAssignmentEpochTombstone(String groupId) {
        return new GroupRecord(targetMetadataKey(groupId), null);
    }

    static GroupRecord targetAssignment(String groupId, String memberId, Assignment target) {
        return new GroupRecord(targetMemberKey(groupId, memberId),
                TargetAssignmentMemberValue.newBuilder().addAllPartitions(target.toStored()).build());
    }

    static GroupRecord targetAssignmentTombstone(String groupId, String memberId) {
        return new GroupRecord(targetMemberKey(groupId, memberId), null);
    }

    static GroupRecord currentAssignment(String groupId, ConsumerGroupMember member) {
        return new GroupRecord(currentAssignmentKey(groupId, member.memberId()), member.currentAssignmentValue());
    }

    static GroupRecord currentAssignmentTombstone(String groupId, String memberId) {
        return new GroupRecord(currentAssignmentKey(groupId, memberId), null);
    }

    static GroupRecord offsetCommit(String groupId, TopicPartition tp, CommittedOffset offset) {
        return new GroupRecord(offsetKey(groupId, tp), OffsetCommitValue.newBuilder()
                .setCommittedOffset(offset.offset()).setCommittedLeaderEpoch(offset.leaderEpoch())
                .setMetadata(offset.metadata()).setCommitTimestampMs(offset.commitTimestampMs()).build());
    }

    static GroupRecord offsetTombstone(String groupId, TopicPartition tp) {
        return new GroupRecord(offsetKey(groupId, tp), null);
    }

    private static GroupRecordKey groupMetadataKey(String groupId) {
        return GroupRecordKey.newBuilder().setGroupMetadata(GroupMetadataKey.newBuilder().setGroupId(groupId)).build();
    }

    private static GroupRecordKey memberMetadataKey(String groupId, String memberId) {
        return GroupRecordKey.newBuilder().setMemberMetadata(
                MemberMetadataKey.newBuilder().setGroupId(groupId).setMemberId(memberId)).build();
    }

    private static GroupRecordKey targetMetadataKey(String groupId) {
        return GroupRecordKey.newBuilder().setTargetAssignmentMetadata(
                TargetAssignmentMetadataKey.newBuilder().setGroupId(groupId)).build();
    }

    private static GroupRecordKey targetMemberKey(String groupId, String memberId) {
        return GroupRecordKey.newBuilder().setTargetAssignmentMember(
                TargetAssignmentMemberKey.newBuilder().setGroupId(groupId).setMemberId(memberId)).build();
    }

    private static GroupRecordKey currentAssignmentKey(String groupId, String memberId) {
        return GroupRecordKey.newBuilder().setCurrentMemberAssignment(
                CurrentMemberAssignmentKey.newBuilder().setGroupId(groupId).setMemberId(memberId)).build();
    }

    private static GroupRecordKey offsetKey(String groupId, TopicPartition tp) {
        return GroupRecordKey.newBuilder().setOffsetCommit(OffsetCommitKey.newBuilder().setGroupId(groupId)
                .setTopic(tp.topic()).setPartition(tp.partition())).build();
    }
}
