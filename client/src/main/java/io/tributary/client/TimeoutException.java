package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/**
 * An operation did not complete in time. Indefinite when a request reached the wire (the broker
 * timed out or the client's deadline passed with the request in flight); definite when the client
 * gave up before sending anything (a record that expired in the accumulator, a full buffer, a
 * metadata wait).
 */
public class TimeoutException extends TributaryException {
    public TimeoutException(String message, boolean definite, Throwable cause) {
        super(ErrorCode.REQUEST_TIMED_OUT, message, definite, true, cause);
    }
}
