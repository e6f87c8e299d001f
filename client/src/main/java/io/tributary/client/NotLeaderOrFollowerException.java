package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/** The broker does not lead the partition; the client refreshes metadata and retries (definite). */
public class NotLeaderOrFollowerException extends TributaryException {
    public NotLeaderOrFollowerException(String message) {
        super(ErrorCode.NOT_LEADER_OR_FOLLOWER, message);
    }
}
