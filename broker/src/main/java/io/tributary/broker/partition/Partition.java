package io.tributary.broker.partition;

import io.tributary.broker.log.FlushPolicy;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.producer.ProducerStateManager;
import io.tributary.proto.TopicPartition;

/**
 * A partition replica hosted on this node: its log and what the metadata says about it. The high
 * watermark is what consumers may read: under the {@code ack} flush policy only fsynced records,
 * so a consumer never sees a record that a crash could take back; under {@code interval}, the log
 * end (Kafka's single-node behaviour). Replication (a later issue) bounds it by the ISR too.
 */
public final class Partition {
    private final PartitionLog log;
    /** Idempotent producers' sequences; guarded by this partition's monitor, with the append. */
    private final ProducerStateManager producerState;
    private volatile int leaderId;
    private volatile int leaderEpoch;

    Partition(PartitionLog log, ProducerStateManager producerState, int leaderId, int leaderEpoch) {
        this.log = log;
        this.producerState = producerState;
        this.leaderId = leaderId;
        this.leaderEpoch = leaderEpoch;
    }

    public TopicPartition topicPartition() {
        return log.topicPartition();
    }

    public PartitionLog log() {
        return log;
    }

    /** Callers hold this partition's monitor while they validate, append and record a produce. */
    public ProducerStateManager producerState() {
        return producerState;
    }

    public int leaderId() {
        return leaderId;
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    void updateLeadership(int leaderId, int leaderEpoch) {
        this.leaderId = leaderId;
        this.leaderEpoch = leaderEpoch;
    }

    public long highWatermark() {
        return log.config().flushPolicy() == FlushPolicy.ACK ? log.durableEndOffset() : log.logEndOffset();
    }
}
