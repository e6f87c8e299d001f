package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/** The group has active members: it cannot be deleted, and only its members commit its offsets. */
public class NonEmptyGroupException extends TributaryException {
    public NonEmptyGroupException(String message) {
        super(ErrorCode.NON_EMPTY_GROUP, message);
    }
}
