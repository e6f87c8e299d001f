package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/** A record batch failed its CRC or framing check, on the broker or in the consumer (definite). */
public class CorruptRecordException extends TributaryException {
    public CorruptRecordException(String message) {
        super(ErrorCode.CORRUPT_RECORD, message);
    }
}
