package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/**
 * Too few in-sync replicas: {@code NOT_ENOUGH_REPLICAS} (definite: nothing was appended) or
 * {@code NOT_ENOUGH_REPLICAS_AFTER_APPEND} (indefinite: the leader appended but replication did
 * not complete).
 */
public class NotEnoughReplicasException extends TributaryException {
    public NotEnoughReplicasException(ErrorCode code, String message) {
        super(code, message);
        if (code != ErrorCode.NOT_ENOUGH_REPLICAS && code != ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND) {
            throw new IllegalArgumentException("not a replica-count code: " + code);
        }
    }
}
