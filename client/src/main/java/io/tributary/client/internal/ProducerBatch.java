package io.tributary.client.internal;

import io.tributary.client.RecordMetadata;
import io.tributary.client.TributaryException;
import io.tributary.record.Header;
import io.tributary.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Records for one partition being built into one RecordBatch v2, with each record's future.
 * Appends happen under the owning {@link PartitionQueue}'s lock; once {@link #close()}d the batch
 * belongs to the sender thread.
 */
public final class ProducerBatch {
    final PartitionQueue queue;
    final long createdMs;
    final int reservedBytes;
    private final RecordBatchBuilder builder;
    private final int batchSizeLimit;
    @SuppressWarnings({"unchecked", "rawtypes"})
    private CompletableFuture<RecordMetadata>[] futures = new CompletableFuture[16];
    private long[] timestamps = new long[16];
    private int count;
    private boolean full;
    private boolean closed;
    private ByteBuffer built;
    int attempts;
    private final CountDownLatch done = new CountDownLatch(1);

    ProducerBatch(PartitionQueue queue, long createdMs, int reservedBytes, int batchSizeLimit) {
        this.queue = queue;
        this.createdMs = createdMs;
        this.reservedBytes = reservedBytes;
        this.batchSizeLimit = batchSizeLimit;
        this.builder = new RecordBatchBuilder(reservedBytes);
    }

    /** Appends unless closed or full; a refused append marks the batch full. Caller holds the queue lock. */
    boolean tryAppend(long timestamp, byte[] key, byte[] value, List<Header> headers, int estimatedSize,
                      CompletableFuture<RecordMetadata> future) {
        if (closed || full) {
            return false;
        }
        if (count > 0 && builder.sizeInBytes() + estimatedSize > batchSizeLimit) {
            full = true;
            return false;
        }
        builder.append(timestamp, key, value, headers);
        if (count == futures.length) {
            futures = Arrays.copyOf(futures, count * 2);
            timestamps = Arrays.copyOf(timestamps, count * 2);
        }
        futures[count] = future;
        timestamps[count] = timestamp;
        count++;
        return true;
    }

    /** Caller holds the queue lock. */
    boolean isFull() {
        return full;
    }

    void markFull() {
        full = true;
    }

    /** Stops appends; caller holds the queue lock. */
    void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }

    /** The encoded batch; builds it on first call (sender thread, after {@link #close()}). */
    ByteBuffer buffer() {
        if (built == null) {
            built = builder.build();
        }
        return built.duplicate();
    }

    int sizeInBytes() {
        return built != null ? built.remaining() : builder.sizeInBytes();
    }

    int recordCount() {
        return count;
    }

    /** Completes every record: the i-th gets {@code baseOffset + i}. */
    void complete(long baseOffset, long logAppendTimeMs) {
        String topic = queue.topic;
        int partition = queue.partition;
        for (int i = 0; i < count; i++) {
            long offset = baseOffset < 0 ? -1L : baseOffset + i;
            long timestamp = logAppendTimeMs >= 0 ? logAppendTimeMs : timestamps[i];
            futures[i].complete(new RecordMetadata(topic, partition, offset, timestamp));
        }
        futures = null;
        done.countDown();
    }

    void fail(TributaryException e) {
        for (int i = 0; i < count; i++) {
            futures[i].completeExceptionally(e);
        }
        futures = null;
        done.countDown();
    }

    boolean isDone() {
        return done.getCount() == 0;
    }

    public boolean await(long timeoutMs) throws InterruptedException {
        return done.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    public void await() throws InterruptedException {
        done.await();
    }

    @Override
    public String toString() {
        return "ProducerBatch(" + queue.topic + "-" + queue.partition + ", records=" + count + ", attempts=" + attempts
                + ")";
    }
}
