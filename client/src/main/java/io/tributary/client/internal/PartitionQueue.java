package io.tributary.client.internal;

import java.util.ArrayDeque;

/**
 * The batches waiting for one partition, oldest first. The deque is guarded by this object's
 * monitor (appenders and the sender); the other fields belong to the sender thread.
 *
 * <p>Without idempotence one produce request per partition is in flight, so retries never reorder
 * records. With it up to maxInFlightRequestsPerConnection (at most 5) are, never reaching more than
 * {@link ProduceDispatcher#MAX_UNACKNOWLEDGED_BATCHES} batches past the oldest unanswered one (the broker's
 * window for recognising retries), and a retried batch goes out again alone: the broker appends a
 * batch only in sequence, so when one fails the later ones fail too, and the broker may take
 * concurrent requests in either order. OUT_OF_ORDER_SEQUENCE for a request sent behind an
 * unanswered earlier batch is therefore expected, not fatal: every failed batch is re-queued in its
 * original order and resent once the partition's requests in flight have all answered; a real gap
 * shows again when the batch is resent as the oldest, and fails then.
 */
public final class PartitionQueue {
    final String topic;
    final int partition;
    final ArrayDeque<ProducerBatch> batches = new ArrayDeque<>();
    /** Produce requests in flight that carry batches of this partition. */
    int inFlight;
    long retryAtMs;
    /** A batch was re-queued: send nothing more until the requests in flight have answered. */
    boolean resendPending;
    /** The next {@link ProducerBatch#drainOrder}. */
    long nextDrainOrder;
    /** The next {@link ProducerBatch#requestGroup}. */
    long nextRequestGroup;
    /** Idempotence: drained batches of the current producer id not yet acknowledged, in drain order. */
    final ArrayDeque<ProducerBatch> unacknowledged = new ArrayDeque<>();
    /** Idempotence (sender thread): the base sequence of this partition's next newly drained batch. */
    int nextSequence;

    PartitionQueue(String topic, int partition) {
        this.topic = topic;
        this.partition = partition;
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
