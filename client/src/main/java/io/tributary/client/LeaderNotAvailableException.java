package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/** The partition has no leader right now (definite, retriable). */
public class LeaderNotAvailableException extends TributaryException {
    public LeaderNotAvailableException(String message) {
        super(ErrorCode.LEADER_NOT_AVAILABLE, message);
    }
}
