package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/** A topic with this name already exists (definite). */
public class TopicExistsException extends TributaryException {
    public TopicExistsException(String message) {
        super(ErrorCode.TOPIC_ALREADY_EXISTS, message);
    }
}
