package io.tributary.testkit;

/** Embedded nodes could not start: their ports, their directory, or a node's own start failed. */
public final class EmbeddedStartException extends RuntimeException {
    public EmbeddedStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
