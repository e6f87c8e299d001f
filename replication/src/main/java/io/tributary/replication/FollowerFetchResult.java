package io.tributary.replication;

import io.tributary.proto.v1.ErrorCode;

/**
 * The leader's view of one follower fetch: an error (the fetch updated nothing) or NONE, and
 * whether the high watermark advanced (the driver then completes waiting acks=all produces).
 */
public record FollowerFetchResult(ErrorCode error, boolean highWatermarkAdvanced, long highWatermark) {
}
