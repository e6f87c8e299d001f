package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/** The topic name is not legal (definite). */
public class InvalidTopicException extends TributaryException {
    public InvalidTopicException(String message) {
        super(ErrorCode.INVALID_TOPIC_NAME, message);
    }
}
