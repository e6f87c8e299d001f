package io.tributary.replication;

import io.tributary.proto.v1.ErrorCode;

/**
 * A leader's answer to DeleteRecords: NONE and the log start offset now (the partition's low
 * watermark on the leader), or why nothing moved (NOT_LEADER_OR_FOLLOWER, OFFSET_OUT_OF_RANGE).
 */
public record DeleteRecordsResult(ErrorCode error, String message, long logStartOffset) {
    /** The DeleteRecords offset meaning "every record below the high watermark" (Kafka's -1). */
    public static final long TO_HIGH_WATERMARK = -1L;

    static DeleteRecordsResult refused(ErrorCode error, String message) {
        return new DeleteRecordsResult(error, message, -1L);
    }
}
