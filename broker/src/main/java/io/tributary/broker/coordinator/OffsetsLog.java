package io.tributary.broker.coordinator;

import io.tributary.broker.group.GroupRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the coordinator needs of the offsets topic's partitions it leads: reading one back and
 * writing group records to it, replicated like any data (acks=all). Implemented over the partition
 * logs by the broker; tests give their own.
 */
public interface OffsetsLog {
    /** A write refused or lost: the coordinator's state for the partition may be ahead of its log. */
    final class WriteFailedException extends RuntimeException {
        public WriteFailedException(String message) {
            super(message);
        }
    }

    /** Whether this broker leads the partition at {@code leaderEpoch}. */
    boolean leads(int partition, int leaderEpoch);

    /**
     * Reads every record of the partition from its start to its end, in order.
     *
     * @return the offset after the last record read (the log end when the read began)
     */
    long readAll(int partition, Consumer<GroupRecord> into);

    /**
     * Appends records as the partition's leader at {@code leaderEpoch}.
     *
     * @return the offset after the records, once the append is done (not yet committed)
     * @throws WriteFailedException the partition is not led here at that epoch, or refuses the append
     */
    long append(int partition, int leaderEpoch, List<GroupRecord> records);

    /**
     * Completes once everything below {@code endOffset} is committed (the high watermark passed it
     * with min.insync.replicas in sync); fails with {@link WriteFailedException} when leadership moves
     * first, or on timeout.
     */
    CompletableFuture<Void> awaitCommitted(int partition, long endOffset);
}
