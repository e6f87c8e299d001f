package io.tributary.broker.coordinator;

import io.tributary.proto.TopicPartition;
import java.util.concurrent.CompletableFuture;

/** How far a partition has been written, as its leader knows: what a group's lag is measured against. */
public interface PartitionProgress {
    /**
     * @param highWatermark the offset after the last record consumers can read
     * @param firstTimestampMs the timestamp of the first readable record at or after the offset asked
     *                         about, -1 when there is none (the group is caught up)
     */
    record Progress(long highWatermark, long firstTimestampMs) {
    }

    /** The partition's progress, reading the first record at or after {@code fromOffset}. */
    CompletableFuture<Progress> progress(TopicPartition tp, long fromOffset);
}
