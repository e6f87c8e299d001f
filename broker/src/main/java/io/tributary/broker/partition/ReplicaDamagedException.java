package io.tributary.broker.partition;

import io.tributary.broker.log.LogStorageException;
import io.tributary.proto.TopicPartition;

/**
 * A replica's log is damaged below its high watermark (a flipped bit, a truncated or rolled-back
 * segment): records that were committed are gone from it. It is not hosted while this broker may
 * still be chosen to lead the partition, since a leader with the shorter log would lose them for
 * every replica; once the broker is out of the partition's ISR it is cut at the damage and
 * refetched ({@link ReplicaRecovery}).
 */
public final class ReplicaDamagedException extends LogStorageException {
    private final TopicPartition topicPartition;
    private final long damagedFromOffset;

    ReplicaDamagedException(TopicPartition topicPartition, long damagedFromOffset, String message) {
        super(message);
        this.topicPartition = topicPartition;
        this.damagedFromOffset = damagedFromOffset;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    /** The first offset the damage took away. */
    public long damagedFromOffset() {
        return damagedFromOffset;
    }
}
