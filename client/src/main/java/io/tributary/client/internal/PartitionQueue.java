package io.tributary.client.internal;

import java.util.ArrayDeque;

/**
 * The batches waiting for one partition, oldest first. The deque is guarded by this object's
 * monitor (appenders and the sender); {@code inFlight} and {@code retryAtMs} belong to the sender
 * thread. At most one produce request per partition is in flight, so retries never reorder records.
 */
public final class PartitionQueue {
    final String topic;
    final int partition;
    final ArrayDeque<ProducerBatch> batches = new ArrayDeque<>();
    boolean inFlight;
    long retryAtMs;
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
