package io.tributary.replication;

import io.tributary.proto.v1.ErrorCode;

/** What a follower does after the leader answered a fetch of one partition with an error. */
public enum FetchErrorAction {
    /** Ask the leader where the logs diverge (OffsetsForLeaderEpoch) before fetching again. */
    TRUNCATE,
    /** The metadata is moving (fenced or unknown epoch, not the leader): wait, then fetch again. */
    BACK_OFF;

    /**
     * OFFSET_OUT_OF_RANGE means this follower's log end is not a point of the leader's log (it
     * diverged, or the leader lost a tail): find the divergence again. Everything else waits for
     * the metadata to move this follower.
     */
    public static FetchErrorAction after(ErrorCode error) {
        if (error == ErrorCode.NONE) {
            throw new IllegalArgumentException("not an error: " + error);
        }
        return error == ErrorCode.OFFSET_OUT_OF_RANGE ? TRUNCATE : BACK_OFF;
    }
}
