package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/** The topic or partition does not exist (definite). */
public class UnknownTopicOrPartitionException extends TributaryException {
    public UnknownTopicOrPartitionException(String message) {
        super(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message);
    }
}
