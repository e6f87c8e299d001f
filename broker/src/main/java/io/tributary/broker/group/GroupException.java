package io.tributary.broker.group;

import io.tributary.proto.v1.ErrorCode;

/** A group request refused with a wire error code; nothing of it was applied. */
public class GroupException extends RuntimeException {
    private final ErrorCode code;

    public GroupException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
