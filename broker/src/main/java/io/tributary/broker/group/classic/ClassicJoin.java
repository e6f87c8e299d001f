package io.tributary.broker.group.classic;

import io.tributary.proto.v1.ErrorCode;
import java.util.List;

/** JoinGroup of Kafka's classic protocol, as the coordinator sees it. */
public final class ClassicJoin {
    private ClassicJoin() {
    }

    /**
     * @param memberId             empty on a member's first join
     * @param instanceId           empty unless the member is static ({@code group.instance.id})
     * @param requireKnownMemberId a first join is answered MEMBER_ID_REQUIRED with an id to join again with
     *                             (JoinGroup v4+), so that a client that gives up on a join leaves no member behind
     */
    public record Request(String groupId, String memberId, String instanceId, String clientId, String clientHost,
                          int sessionTimeoutMs, int rebalanceTimeoutMs, String protocolType,
                          List<ClassicProtocol> protocols, boolean requireKnownMemberId) {
    }

    /** A member as the leader sees it: its metadata for the chosen protocol. */
    public record Member(String memberId, String instanceId, byte[] metadata) {
    }

    /** The answer; {@code members} is filled for the leader only. */
    public record Result(ErrorCode error, String errorMessage, int generation, String protocolType,
                         String protocolName, String leaderId, String memberId, List<Member> members) {

        public static Result error(ErrorCode error, String message, String memberId) {
            return new Result(error, message, -1, "", "", "", memberId, List.of());
        }
    }
}
