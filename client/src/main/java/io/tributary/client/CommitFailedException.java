package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/**
 * An offset commit the group refused because this consumer no longer owns what it committed: it
 * left the group or was removed (UNKNOWN_MEMBER_ID), was fenced (FENCED_MEMBER_EPOCH), or its
 * assignment moved on first (STALE_MEMBER_EPOCH). Nothing was committed; the partitions' new owner
 * reads from the last offset committed before.
 */
public class CommitFailedException extends TributaryException {
    public CommitFailedException(ErrorCode code, String message) {
        super(code, message);
    }
}
