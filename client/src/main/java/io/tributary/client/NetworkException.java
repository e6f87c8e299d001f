package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/**
 * The connection to a broker failed (gRPC status UNAVAILABLE, CANCELLED, an unexpected status or an
 * I/O error). Indefinite for writes: the request may have reached the broker. Its {@link #code()}
 * is {@code UNKNOWN_SERVER_ERROR}; the message carries the transport status.
 */
public class NetworkException extends TributaryException {
    public NetworkException(String message, boolean retriable, Throwable cause) {
        super(ErrorCode.UNKNOWN_SERVER_ERROR, message, false, retriable, cause);
    }
}
