package io.tributary.broker.group;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.tributary.proto.group.v1.ClassicGroupValue;
import io.tributary.proto.group.v1.CurrentMemberAssignmentValue;
import io.tributary.proto.group.v1.GroupMetadataValue;
import io.tributary.proto.group.v1.GroupRecordKey;
import io.tributary.proto.group.v1.MemberMetadataValue;
import io.tributary.proto.group.v1.OffsetCommitValue;
import io.tributary.proto.group.v1.TargetAssignmentMemberValue;
import io.tributary.proto.group.v1.TargetAssignmentMetadataValue;

/**
 * One record of the offsets topic: a key naming a piece of group state and its new value, or null
 * (a tombstone) when that state is deleted.
 */
public record GroupRecord(GroupRecordKey key, Message value) {

    public boolean isTombstone() {
        return value == null;
    }

    public byte[] keyBytes() {
        return key.toByteArray();
    }

    /** The value's bytes, null for a tombstone. */
    public byte[] valueBytes() {
        return value == null ? null : value.toByteArray();
    }

    /**
     * Reads a record written by {@link #keyBytes()} and {@link #valueBytes()}.
     *
     * @throws GroupRecordFormatException the bytes are not a group record
     */
    public static GroupRecord decode(byte[] key, byte[] value) {
        try {
            GroupRecordKey parsedKey = GroupRecordKey.parseFrom(key);
            if (value == null) {
                return new GroupRecord(parsedKey, null);
            }
            Message parsedValue = switch (parsedKey.getKeyCase()) {
                case OFFSET_COMMIT -> OffsetCommitValue.parseFrom(value);
                case GROUP_METADATA -> GroupMetadataValue.parseFrom(value);
                case MEMBER_METADATA -> MemberMetadataValue.parseFrom(value);
                case TARGET_ASSIGNMENT_METADATA -> TargetAssignmentMetadataValue.parseFrom(value);
                case TARGET_ASSIGNMENT_MEMBER -> TargetAssignmentMemberValue.parseFrom(value);
                case CURRENT_MEMBER_ASSIGNMENT -> CurrentMemberAssignmentValue.parseFrom(value);
                case CLASSIC_GROUP -> ClassicGroupValue.parseFrom(value);
                case KEY_NOT_SET -> throw new GroupRecordFormatException("a group record key of no known type");
            };
            return new GroupRecord(parsedKey, parsedValue);
        } catch (InvalidProtocolBufferException e) {
            throw new GroupRecordFormatException("not a group record: " + e.getMessage());
        }
    }

    /** The group the record belongs to. */
    public String groupId() {
        return switch (key.getKeyCase()) {
            case OFFSET_COMMIT -> key.getOffsetCommit().getGroupId();
            case GROUP_METADATA -> key.getGroupMetadata().getGroupId();
            case MEMBER_METADATA -> key.getMemberMetadata().getGroupId();
            case TARGET_ASSIGNMENT_METADATA -> key.getTargetAssignmentMetadata().getGroupId();
            case TARGET_ASSIGNMENT_MEMBER -> key.getTargetAssignmentMember().getGroupId();
            case CURRENT_MEMBER_ASSIGNMENT -> key.getCurrentMemberAssignment().getGroupId();
            case CLASSIC_GROUP -> key.getClassicGroup().getGroupId();
            case KEY_NOT_SET -> throw new GroupRecordFormatException("a group record key of no known type");
        };
    }
}
