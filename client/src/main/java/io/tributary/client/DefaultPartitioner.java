package io.tributary.client;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Kafka's built-in partitioning. Keyed records go to {@code toPositive(murmur2(key)) % numPartitions},
 * exactly as Kafka's {@code BuiltInPartitioner}, so a key lands on the same partition number as with
 * a Kafka producer. Records with a null key are <em>sticky</em>: they all go to one partition until
 * the producer would open a new batch there (its batch is full or was sent), then to another
 * partition chosen at random; so null-key records fill large batches instead of many small ones.
 */
public final class DefaultPartitioner implements Partitioner {
    private final ConcurrentHashMap<String, Integer> stickyPartitions = new ConcurrentHashMap<>();

    @Override
    public int partition(String topic, byte[] key, int numPartitions) {
        if (key != null) {
            return partitionForKey(key, numPartitions);
        }
        Integer sticky = stickyPartitions.get(topic);
        if (sticky != null && sticky < numPartitions) {
            return sticky;
        }
        return nextSticky(topic, numPartitions, -1);
    }

    @Override
    public void onNewBatch(String topic, int numPartitions, int previousPartition) {
        Integer sticky = stickyPartitions.get(topic);
        if (sticky == null || sticky == previousPartition) {
            nextSticky(topic, numPartitions, previousPartition);
        }
    }

    private int nextSticky(String topic, int numPartitions, int previous) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int next = previous < 0 || previous >= numPartitions || numPartitions <= 1
                ? random.nextInt(numPartitions)
                : (previous + 1 + random.nextInt(numPartitions - 1)) % numPartitions;
        stickyPartitions.put(topic, next);
        return next;
    }

    /** The partition of a keyed record, as Kafka's {@code BuiltInPartitioner.partitionForKey}. */
    public static int partitionForKey(byte[] key, int numPartitions) {
        return toPositive(murmur2(key)) % numPartitions;
    }

    /** Kafka's {@code Utils.toPositive}: clears the sign bit (not {@code Math.abs}). */
    public static int toPositive(int number) {
        return number & 0x7fffffff;
    }

    /** The 32-bit murmur2 hash with Kafka's seed, bit-for-bit as Kafka's {@code Utils.murmur2}. */
    public static int murmur2(byte[] data) {
        int length = data.length;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = 0x9747b28c ^ length;
        int length4 = length >>> 2;
        for (int i = 0; i < length4; i++) {
            int i4 = i << 2;
            int k = (data[i4] & 0xff) | ((data[i4 + 1] & 0xff) << 8) | ((data[i4 + 2] & 0xff) << 16)
                    | ((data[i4 + 3] & 0xff) << 24);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        int tail = length & ~3;
        int remainder = length & 3;
        if (remainder == 3) {
            h ^= (data[tail + 2] & 0xff) << 16;
        }
        if (remainder >= 2) {
            h ^= (data[tail + 1] & 0xff) << 8;
        }
        if (remainder >= 1) {
            h ^= data[tail] & 0xff;
            h *= m;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
