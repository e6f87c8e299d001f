package io.tributary.broker.log;

import io.tributary.proto.TopicPartition;

/**
 * A follower's append whose batches do not continue the log: the fetch response raced a
 * truncation or a leader change. Nothing was appended; the fetcher re-reads its position.
 */
public class NonContiguousAppendException extends RuntimeException {
    private final long expectedOffset;
    private final long actualOffset;

    public NonContiguousAppendException(TopicPartition tp, long expectedOffset, long actualOffset) {
        super(tp + ": fetched batch starts at offset " + actualOffset + " but the log continues at " + expectedOffset);
        this.expectedOffset = expectedOffset;
        this.actualOffset = actualOffset;
    }

    public long expectedOffset() {
        return expectedOffset;
    }

    public long actualOffset() {
        return actualOffset;
    }
}
