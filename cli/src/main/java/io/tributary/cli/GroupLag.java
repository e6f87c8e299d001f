package io.tributary.cli;

import io.tributary.client.Admin;
import io.tributary.client.OffsetAndMetadata;
import io.tributary.proto.TopicPartition;

/**
 * How far a group is behind in one partition: in records (log end minus committed offset) and in
 * seconds (how old the oldest record it has not consumed is; 0 when it is caught up). Without a
 * committed offset, the whole log counts.
 */
record GroupLag(long committed, long logEnd, long records, double seconds) {

    static GroupLag of(Admin admin, TopicPartition tp, OffsetAndMetadata committed, long nowMs) {
        long end = admin.listOffsets(tp, Admin.LATEST);
        long from = committed == null ? admin.listOffsets(tp, Admin.EARLIEST) : committed.offset();
        long records = Math.max(0, end - from);
        double seconds = 0;
        if (records > 0) {
            long timestamp = admin.recordTimestamp(tp, from);
            seconds = timestamp < 0 ? 0 : Math.max(0, nowMs - timestamp) / 1000.0;
        }
        return new GroupLag(committed == null ? -1 : committed.offset(), end, records, seconds);
    }
}
