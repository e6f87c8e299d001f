package io.tributary.broker.log;

import java.nio.ByteBuffer;
import java.util.HashMap;

/**
 * The latest offset of each key in the dirty part of a log, within a memory budget (Kafka's
 * dedupe buffer): a cleaning pass maps as many keys as fit and cleans with that.
 */
final class OffsetMap {
    /** What one entry costs beyond its key bytes: the map node, the key's wrapper and array, the boxed offset. */
    static final int ENTRY_OVERHEAD_BYTES = 112;

    private final HashMap<ByteBuffer, Long> latest = new HashMap<>();
    private final long budgetBytes;
    private long usedBytes;

    OffsetMap(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    /** Records {@code offset} (increasing) for {@code key}; false, recording nothing, when a new key does not fit. */
    boolean put(byte[] key, long offset) {
        ByteBuffer wrapped = ByteBuffer.wrap(key);
        Long previous = latest.get(wrapped);
        if (previous == null) {
            long cost = key.length + (long) ENTRY_OVERHEAD_BYTES;
            if (usedBytes + cost > budgetBytes) {
                return false;
            }
            usedBytes += cost;
        }
        latest.put(wrapped, offset);
        return true;
    }

    /** The latest offset mapped for {@code key}, or -1. */
    long latestOffset(byte[] key) {
        Long offset = latest.get(ByteBuffer.wrap(key));
        return offset == null ? -1L : offset;
    }

    int size() {
        return latest.size();
    }
}
