package io.tributary.broker.group.classic;

import io.tributary.proto.v1.ErrorCode;

/** LeaveGroup of Kafka's classic protocol: members named by id, or (static members) by instance id. */
public final class ClassicLeave {
    private ClassicLeave() {
    }

    public record Member(String memberId, String instanceId) {
    }

    public record MemberResult(String memberId, String instanceId, ErrorCode error) {
    }
}
