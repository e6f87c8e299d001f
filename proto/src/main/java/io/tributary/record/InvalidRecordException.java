package io.tributary.record;

/**
 * A well-formed record that the topic refuses, such as a record without a key on a compacted
 * topic; maps to {@code INVALID_RECORD} and nothing of the request is written.
 */
public class InvalidRecordException extends RecordFormatException {
    public InvalidRecordException(String message) {
        super(message);
    }
}
