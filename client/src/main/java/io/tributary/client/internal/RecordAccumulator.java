package io.tributary.client.internal;

import io.tributary.client.RecordMetadata;
import io.tributary.record.Header;
import io.tributary.record.CompressionType;
import io.tributary.record.RecordBatch;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-partition queues of batches that {@code send} appends to and the sender drains. Appending
 * takes only the partition queue's monitor (uncontended with a single sending thread); buffer
 * memory is reserved once per batch, outside that monitor.
 */
public final class RecordAccumulator {
    /** What {@link #append} did. */
    public enum AppendResult {
        /** Appended to the open batch. */
        APPENDED,
        /** Appended to a new batch; the previous one (if any) is now full and ready. */
        NEW_BATCH,
        /** Not appended: it needed a new batch and the caller asked to be told first. */
        ABORTED_FOR_NEW_BATCH
    }

    private final int batchSize;
    private final CompressionType compression;
    private final CompressionRatioEstimator compressionRatios = new CompressionRatioEstimator();
    private final long maxBlockMs;
    private final BufferPool pool;
    private final LongSupplier clockMs;
    private final long lingerMs;
    /** Tells the sender the time (ms) by which it must look at the queues again; 0 for now. */
    private final LongConsumer wakeSenderBy;
    private final ConcurrentHashMap<String, PartitionQueue[]> topics = new ConcurrentHashMap<>();
    private final IncompleteBatches incomplete = new IncompleteBatches();
    private final AtomicInteger flushesInProgress = new AtomicInteger();

    /** @param clockMs stamps batches at creation (linger and delivery timeouts count from it) */
    public RecordAccumulator(int batchSize, long maxBlockMs, BufferPool pool, LongSupplier clockMs, Runnable wakeSender) {
        this(batchSize, CompressionType.NONE, maxBlockMs, pool, clockMs, wakeSender);
    }

    /**
     * @param compression the codec of every batch; the memory reserved per batch stays batch.size,
     *                    so a compressed batch's uncompressed records may take more (as in Kafka)
     */
    public RecordAccumulator(int batchSize, CompressionType compression, long maxBlockMs, BufferPool pool,
                             LongSupplier clockMs, Runnable wakeSender) {
        this(batchSize, compression, maxBlockMs, pool, clockMs, 0, deadlineMs -> wakeSender.run());
    }

    /**
     * @param lingerMs how long a new batch may wait for more records
     * @param wakeSenderBy receives the time by which the sender must look again (0: now): a new batch
     *                     in an empty queue is due only after {@code lingerMs}, and a sender already
     *                     due to wake before that need not wake now. With many partitions written at
     *                     a low rate nearly every record starts a batch; waking the sender for each
     *                     one made it scan every queue per record.
     */
    public RecordAccumulator(int batchSize, CompressionType compression, long maxBlockMs, BufferPool pool,
                             LongSupplier clockMs, long lingerMs, LongConsumer wakeSenderBy) {
        this.batchSize = batchSize;
        this.compression = compression;
        this.clockMs = clockMs;
        this.maxBlockMs = maxBlockMs;
        this.pool = pool;
        this.lingerMs = lingerMs;
        this.wakeSenderBy = wakeSenderBy;
    }

    /** The queue of a partition, created on first use. */
    public PartitionQueue queue(String topic, int partition) {
        PartitionQueue[] queues = topics.get(topic);
        if (queues != null && partition < queues.length) {
            return queues[partition];
        }
        return grow(topic, partition + 1)[partition];
    }

    private synchronized PartitionQueue[] grow(String topic, int count) {
        PartitionQueue[] queues = topics.get(topic);
        if (queues != null && queues.length >= count) {
            return queues;
        }
        int old = queues == null ? 0 : queues.length;
        PartitionQueue[] grown = queues == null ? new PartitionQueue[count] : Arrays.copyOf(queues, count);
        for (int i = old; i < count; i++) {
            grown[i] = new PartitionQueue(topic, i);
        }
        topics.put(topic, grown);
        return grown;
    }

    /** Every partition queue, for the sender. */
    public Collection<PartitionQueue[]> queues() {
        return topics.values();
    }

    /**
     * Appends a record of {@code estimatedSize} bytes (see RecordBatchBuilder.estimateRecordSize).
     * May block up to maxBlockMs for buffer memory.
     *
     * @throws io.tributary.client.TimeoutException (definite) when buffer memory stays exhausted
     */
    public AppendResult append(PartitionQueue queue, long timestamp, byte[] key, byte[] value, List<Header> headers,
                               int estimatedSize, CompletableFuture<RecordMetadata> future, boolean abortOnNewBatch) {
        synchronized (queue) {
            ProducerBatch last = queue.batches.peekLast();
            if (last != null && last.tryAppend(timestamp, key, value, headers, estimatedSize, future)) {
                return AppendResult.APPENDED;
            }
        }
        if (abortOnNewBatch) {
            return AppendResult.ABORTED_FOR_NEW_BATCH;
        }
        int reserve = Math.max(batchSize, estimatedSize + RecordBatch.HEADER_SIZE);
        pool.reserve(reserve, maxBlockMs);
        long dueMs;
        synchronized (queue) {
            ProducerBatch last = queue.batches.peekLast();
            if (last != null && last.tryAppend(timestamp, key, value, headers, estimatedSize, future)) {
                pool.release(reserve);
                return AppendResult.APPENDED;
            }
            if (last != null) {
                last.markFull();
            }
            long nowMs = clockMs.getAsLong();
            dueMs = last != null ? 0 : nowMs + lingerMs; // behind another batch: that one is full and ready now
            ProducerBatch batch = new ProducerBatch(queue, nowMs, reserve, batchSize, compression, compressionRatios);
            if (!batch.tryAppend(timestamp, key, value, headers, estimatedSize, future)) {
                throw new IllegalStateException("a new batch refused its first record");
            }
            queue.batches.addLast(batch);
            incomplete.add(batch);
        }
        wakeSenderBy.accept(dueMs);
        return AppendResult.NEW_BATCH;
    }

    /** Returns a finished batch's memory; call once per batch after completing or failing it. */
    public void deallocate(ProducerBatch batch) {
        incomplete.remove(batch);
        pool.release(batch.reservedBytes);
    }

    public boolean hasIncomplete() {
        return !incomplete.isEmpty();
    }

    public List<ProducerBatch> incompleteBatches() {
        return incomplete.snapshot();
    }

    public void beginFlush() {
        flushesInProgress.incrementAndGet();
    }

    public void endFlush() {
        flushesInProgress.decrementAndGet();
    }

    public boolean flushInProgress() {
        return flushesInProgress.get() > 0;
    }

    /** A small synchronized identity set of batches not yet completed. */
    private static final class IncompleteBatches {
        private final java.util.Set<ProducerBatch> batches = java.util.Collections.newSetFromMap(
                new java.util.IdentityHashMap<>());

        synchronized void add(ProducerBatch batch) {
            batches.add(batch);
        }

        synchronized void remove(ProducerBatch batch) {
            batches.remove(batch);
        }

        synchronized boolean isEmpty() {
            return batches.isEmpty();
        }

        synchronized List<ProducerBatch> snapshot() {
            return new ArrayList<>(batches);
        }
    }
}
