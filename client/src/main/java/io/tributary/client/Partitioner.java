package io.tributary.client;

/**
 * Chooses the partition of a record that names none. Called from the threads that call
 * {@link Producer#send}, so implementations must be thread-safe.
 */
public interface Partitioner {
    /** A partition in {@code [0, numPartitions)} for a record with this key (which may be null). */
    int partition(String topic, byte[] key, int numPartitions);

    /**
     * Called when a record for a null key would open a new batch in {@code previousPartition};
     * sticky partitioners switch partition here. The producer then asks {@link #partition} again.
     */
    default void onNewBatch(String topic, int numPartitions, int previousPartition) {
    }
}
