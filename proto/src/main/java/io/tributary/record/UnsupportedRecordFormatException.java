package io.tributary.record;

/** A magic other than 2 or a codec not supported; maps to {@code UNSUPPORTED_RECORD_FORMAT}. */
public class UnsupportedRecordFormatException extends RecordFormatException {
    public UnsupportedRecordFormatException(String message) {
        super(message);
    }
}
