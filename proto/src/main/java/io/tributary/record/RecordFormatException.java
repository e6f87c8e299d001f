package io.tributary.record;

/** A record batch that this codec cannot accept. Subclasses say why. */
public class RecordFormatException extends RuntimeException {
    public RecordFormatException(String message) {
        super(message);
    }

    public RecordFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
