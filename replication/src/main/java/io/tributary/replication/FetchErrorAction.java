package io.tributary.replication;

import io.tributary.proto.v1.ErrorCode;

/** What a follower does after the leader answered a fetch of one partition with an error. */
public enum FetchErrorAction {
    /** Ask the leader where the logs diverge (OffsetsForLeaderEpoch) before fetching again. */
    TRUNCATE,
    /**
     * The leader no longer holds what precedes the fetch offset (retention or DeleteRecords moved
     * its log start to or past this follower's log end): this log cannot be continued or checked;
     * start an empty one at the leader's log start offset.
     */
    START_AT_LEADER_LOG_START,
    /** The metadata is moving (fenced or unknown epoch, not the leader): wait, then fetch again. */
    BACK_OFF;

    /**
     * OFFSET_OUT_OF_RANGE at or below the leader's log start offset means the leader deleted what
     * this follower would fetch next, or what it would check the follower's log against; otherwise this follower's log end is not a point of the leader's
     * log (it diverged, or the leader lost a tail): find the divergence again. Everything else
     * waits for the metadata to move this follower.
     *
     * @param leaderLogStartOffset the log start offset in the leader's answer (-1 when it gave none)
     */
    public static FetchErrorAction after(ErrorCode error, long fetchOffset, long leaderLogStartOffset) {
        if (error == ErrorCode.NONE) {
            throw new IllegalArgumentException("not an error: " + error);
        }
        if (error != ErrorCode.OFFSET_OUT_OF_RANGE) {
            return BACK_OFF;
        }
        // At the leader's start too: every record the follower holds is deleted on the leader, so an
        // empty log there loses nothing and needs no divergence check against epochs the leader may
        // have dropped with its records (the simulation found a livelock at exactly this offset).
        return fetchOffset <= leaderLogStartOffset ? START_AT_LEADER_LOG_START : TRUNCATE;
    }
}
