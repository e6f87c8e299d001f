package io.tributary.broker.log;

/**
 * An I/O or RocksDB failure of the log storage, or a log used after it was closed or deleted.
 * Unchecked so it travels through futures and lambdas; it is never swallowed. Maps to
 * {@code STORAGE_ERROR}.
 */
public class LogStorageException extends RuntimeException {
    public LogStorageException(String message) {
        super(message);
    }

    public LogStorageException(String message, Throwable cause) {
        super(message + (cause != null && cause.getMessage() != null ? ": " + cause.getMessage() : ""), cause);
    }
}
