package io.tributary.broker.partition;

import io.tributary.broker.log.AppendInfo;
import io.tributary.proto.v1.ErrorCode;

/** What a produce to this partition's leader did ({@link Partition#appendRecordsAsLeader}). */
public sealed interface LeaderAppend {

    /** Appended at these offsets. */
    record Appended(AppendInfo info) implements LeaderAppend {
    }

    /** Every batch was appended before (a retry): nothing appended; answer with the original offsets. */
    record Duplicate(long firstOffset, long lastOffset) implements LeaderAppend {
    }

    /** Refused; nothing appended. NOT_LEADER_OR_FOLLOWER when this replica does not lead. */
    record Refused(ErrorCode code, String message) implements LeaderAppend {
    }
}
