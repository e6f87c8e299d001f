package io.tributary.record;

/** A batch whose CRC does not match or whose framing is malformed; maps to {@code CORRUPT_RECORD}. */
public class CorruptRecordException extends RecordFormatException {
    public CorruptRecordException(String message) {
        super(message);
    }

    public CorruptRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
