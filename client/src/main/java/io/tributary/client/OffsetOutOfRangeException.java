package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/** A fetch position is outside the partition's log (definite); the consumer throws it when autoOffsetReset is NONE. */
public class OffsetOutOfRangeException extends TributaryException {
    public OffsetOutOfRangeException(String message) {
        super(ErrorCode.OFFSET_OUT_OF_RANGE, message);
    }
}
