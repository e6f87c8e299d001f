package io.tributary.client;

import io.tributary.proto.TopicPartition;
import java.util.Collection;

/**
 * Told, on the polling thread inside {@code poll}, when the group moves partitions to or from this
 * consumer. Only the partitions that move are named: the others keep being delivered throughout.
 */
public interface ConsumerRebalanceListener {
    ConsumerRebalanceListener NONE = new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        }
    };

    /**
     * The partitions are being given to another member. No record of them is delivered any more;
     * the consumer may still commit them here (with auto commit it commits their positions right
     * after), and the new owner starts only once this returns and the commit is done.
     */
    void onPartitionsRevoked(Collection<TopicPartition> partitions);

    /** The partitions are this consumer's now; it starts from their committed offsets unless it seeks here. */
    void onPartitionsAssigned(Collection<TopicPartition> partitions);

    /**
     * The partitions were lost without an orderly revocation (the session ran out or the member
     * was fenced): another member may own them already, so nothing of them can be committed.
     */
    default void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }
}
