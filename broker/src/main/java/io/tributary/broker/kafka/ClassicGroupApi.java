package io.tributary.broker.kafka;

import io.tributary.broker.coordinator.GroupCoordinatorRuntime;
import io.tributary.broker.group.GroupException;
import io.tributary.broker.group.classic.ClassicGroupDescription;
import io.tributary.broker.group.classic.ClassicJoin;
import io.tributary.broker.group.classic.ClassicLeave;
import io.tributary.broker.group.classic.ClassicProtocol;
import io.tributary.broker.group.classic.ClassicSync;
import io.tributary.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka's classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, DescribeGroups),
 * used by Kafka Connect, Kafka Streams, MirrorMaker 2, librdkafka and every consumer left at
 * {@code group.protocol=classic}, on the same coordinator as the consumer protocol
 * ({@code ClassicGroups}). Member metadata and assignments pass through as the members wrote them.
 */
final class ClassicGroupApi {
    /** JoinGroup v4+: a first join is given a member id to join again with (KIP-394). */
    private static final int KNOWN_MEMBER_ID_VERSION = 4;
    private static final int JOIN_PROTOCOL_TYPE_VERSION = 7;
    private static final int JOIN_INSTANCE_ID_VERSION = 5;
    private static final int SYNC_PROTOCOL_VERSION = 5;
    private static final int LEAVE_MEMBERS_VERSION = 3;
    private static final int DESCRIBE_INSTANCE_ID_VERSION = 4;
    private static final int DESCRIBE_NOT_FOUND_VERSION = 6;

    private final GroupCoordinatorRuntime coordinator;

    ClassicGroupApi(GroupCoordinatorRuntime coordinator) {
        this.coordinator = coordinator;
    }

    CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData request, short version, String clientId,
                                                  String clientHost) {
        List<ClassicProtocol> protocols = new ArrayList<>();
        request.protocols().forEach(p -> protocols.add(new ClassicProtocol(p.name(), p.metadata())));
        ClassicJoin.Request ours = new ClassicJoin.Request(request.groupId(), request.memberId(),
                nullToEmpty(request.groupInstanceId()), nullToEmpty(clientId), clientHost, request.sessionTimeoutMs(),
                // v0 had no rebalance timeout: the session timeout stood for it
                request.rebalanceTimeoutMs() < 0 ? request.sessionTimeoutMs() : request.rebalanceTimeoutMs(),
                request.protocolType(), protocols, version >= KNOWN_MEMBER_ID_VERSION);
        return coordinator.joinClassic(ours).thenApply(result -> {
            JoinGroupResponseData out = new JoinGroupResponseData().setErrorCode(KafkaErrors.code(result.error()))
                    .setGenerationId(result.generation()).setProtocolName(result.protocolName())
                    .setLeader(result.leaderId()).setMemberId(result.memberId());
            if (version >= JOIN_PROTOCOL_TYPE_VERSION) {
                out.setProtocolType(result.error() == ErrorCode.NONE ? result.protocolType() : null)
                        .setProtocolName(result.error() == ErrorCode.NONE ? result.protocolName() : null);
            }
            for (ClassicJoin.Member m : result.members()) {
                JoinGroupResponseData.JoinGroupResponseMember member = new JoinGroupResponseData.JoinGroupResponseMember()
                        .setMemberId(m.memberId()).setMetadata(m.metadata());
                if (version >= JOIN_INSTANCE_ID_VERSION && !m.instanceId().isEmpty()) {
                    member.setGroupInstanceId(m.instanceId());
                }
                out.members().add(member);
            }
            return out;
        });
    }

    CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData request, short version) {
        Map<String, byte[]> assignments = new HashMap<>();
        request.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
        ClassicSync.Request ours = new ClassicSync.Request(request.groupId(), request.memberId(),
                nullToEmpty(request.groupInstanceId()), request.generationId(), nullToEmpty(request.protocolType()),
                nullToEmpty(request.protocolName()), assignments);
        return coordinator.syncClassic(ours).thenApply(result -> {
            SyncGroupResponseData out = new SyncGroupResponseData().setErrorCode(KafkaErrors.code(result.error()))
                    .setAssignment(result.assignment());
            if (version >= SYNC_PROTOCOL_VERSION && result.error() == ErrorCode.NONE) {
                out.setProtocolType(result.protocolType()).setProtocolName(result.protocolName());
            }
            return out;
        });
    }

    CompletableFuture<HeartbeatResponseData> heartbeat(HeartbeatRequestData request) {
        return coordinator.heartbeatClassic(request.groupId(), request.memberId(), nullToEmpty(request.groupInstanceId()),
                request.generationId()).thenApply(h -> new HeartbeatResponseData().setErrorCode(KafkaErrors.code(h.error())));
    }

    CompletableFuture<LeaveGroupResponseData> leave(LeaveGroupRequestData request, short version) {
        List<ClassicLeave.Member> leaving = new ArrayList<>();
        if (version < LEAVE_MEMBERS_VERSION) {
            leaving.add(new ClassicLeave.Member(request.memberId(), ""));
        } else {
            request.members().forEach(m -> leaving.add(new ClassicLeave.Member(m.memberId(), nullToEmpty(m.groupInstanceId()))));
        }
        return coordinator.leaveClassic(request.groupId(), leaving).thenApply(results -> {
            LeaveGroupResponseData out = new LeaveGroupResponseData();
            ErrorCode whole = wholeRequestError(results);
            if (whole != ErrorCode.NONE) {
                return out.setErrorCode(KafkaErrors.code(whole));
            }
            if (version < LEAVE_MEMBERS_VERSION) {
                return out.setErrorCode(KafkaErrors.code(results.get(0).error()));
            }
            results.forEach(r -> out.members().add(new LeaveGroupResponseData.MemberResponse().setMemberId(r.memberId())
                    .setGroupInstanceId(r.instanceId().isEmpty() ? null : r.instanceId())
                    .setErrorCode(KafkaErrors.code(r.error()))));
            return out;
        });
    }

    /** A coordinator refusal of the whole request: the top-level error, which sends the client to its coordinator. */
    private static ErrorCode wholeRequestError(List<ClassicLeave.MemberResult> results) {
        if (results.isEmpty()) {
            return ErrorCode.NONE;
        }
        ErrorCode first = results.get(0).error();
        boolean coordinatorError = first == ErrorCode.NOT_COORDINATOR || first == ErrorCode.COORDINATOR_NOT_AVAILABLE
                || first == ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || first == ErrorCode.INVALID_GROUP_ID;
        return coordinatorError && results.stream().allMatch(r -> r.error() == first) ? first : ErrorCode.NONE;
    }

    CompletableFuture<DescribeGroupsResponseData> describe(DescribeGroupsRequestData request, short version) {
        List<CompletableFuture<DescribeGroupsResponseData.DescribedGroup>> parts = new ArrayList<>();
        for (String groupId : request.groups()) {
            parts.add(coordinator.describeClassic(groupId).handle((found, failure) -> described(groupId, found,
                    failure, version)));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(done -> {
            DescribeGroupsResponseData out = new DescribeGroupsResponseData();
            parts.forEach(p -> out.groups().add(p.join()));
            return out;
        });
    }

    private static DescribeGroupsResponseData.DescribedGroup described(String groupId,
                                                                       Optional<ClassicGroupDescription> found,
                                                                       Throwable failure, short version) {
        DescribeGroupsResponseData.DescribedGroup out = new DescribeGroupsResponseData.DescribedGroup()
                .setGroupId(groupId).setProtocolType("").setProtocolData("");
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            ErrorCode code = cause instanceof GroupException g ? g.code() : ErrorCode.UNKNOWN_SERVER_ERROR;
            out.setErrorCode(KafkaErrors.code(code)).setGroupState("");
            if (version >= DESCRIBE_NOT_FOUND_VERSION) {
                out.setErrorMessage(cause.getMessage());
            }
            return out;
        }
        if (found.isEmpty()) {
            // Kafka's answer for a group it does not know (or a consumer-protocol group): "Dead", or
            // GROUP_ID_NOT_FOUND from v6
            if (version >= DESCRIBE_NOT_FOUND_VERSION) {
                return out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setGroupState("Dead")
                        .setErrorMessage("group " + groupId + " is not a classic group here");
            }
            return out.setGroupState("Dead");
        }
        ClassicGroupDescription group = found.get();
        out.setGroupState(group.state()).setProtocolType(group.protocolType()).setProtocolData(group.protocolName());
        for (ClassicGroupDescription.Member m : group.members()) {
            DescribeGroupsResponseData.DescribedGroupMember member = new DescribeGroupsResponseData.DescribedGroupMember()
                    .setMemberId(m.memberId()).setClientId(m.clientId()).setClientHost(m.clientHost())
                    .setMemberMetadata(m.metadata()).setMemberAssignment(m.assignment());
            if (version >= DESCRIBE_INSTANCE_ID_VERSION && !m.instanceId().isEmpty()) {
                member.setGroupInstanceId(m.instanceId());
            }
            out.members().add(member);
        }
        return out;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
