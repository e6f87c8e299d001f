package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/** A record or batch is larger than the producer's or the topic's limit (definite). */
public class RecordTooLargeException extends TributaryException {
    public RecordTooLargeException(String message) {
        super(ErrorCode.MESSAGE_TOO_LARGE, message);
    }
}
