package io.tributary.broker.group.classic;

import io.tributary.proto.v1.ErrorCode;
import java.util.Map;

/** SyncGroup of Kafka's classic protocol: the leader hands out the assignment, every member collects its part. */
public final class ClassicSync {
    private ClassicSync() {
    }

    /**
     * @param protocolType empty when the client did not say (before SyncGroup v5)
     * @param assignments  the leader's assignment per member id (empty from the other members)
     */
    public record Request(String groupId, String memberId, String instanceId, int generation, String protocolType,
                          String protocolName, Map<String, byte[]> assignments) {
    }

    public record Result(ErrorCode error, String errorMessage, String protocolType, String protocolName,
                         byte[] assignment) {

        public static Result error(ErrorCode error, String message) {
            return new Result(error, message, "", "", new byte[0]);
        }
    }
}
