package io.tributary.client.internal;

import io.tributary.client.RecordMetadata;
import io.tributary.client.TributaryException;
import io.tributary.record.CompressionType;
import io.tributary.record.Header;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

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
    private final CompressionType compression;
    /** Expected compressed bytes per uncompressed byte (1 without compression), margin included. */
    private final double sizeFactor;
    private final CompressionRatioEstimator ratios;
    @SuppressWarnings({"unchecked", "rawtypes"})
    private CompletableFuture<RecordMetadata>[] futures = new CompletableFuture[16];
    private long[] timestamps = new long[16];
    private int count;
    private boolean full;
    private boolean closed;
    private ByteBuffer built;
    int attempts;
    /** Position in its partition's send order, set when first drained (sender thread); -1 before. */
    long drainOrder = -1;
    /**
     * Idempotence: the batches of one partition sent in one request share a group (a retry is a
     * group of its own); -1 until sequenced, and again once the sequence is cleared.
     */
    long requestGroup = -1;
    /** Idempotence: set when first drained (sender thread), kept across retries; -1 when unset. */
    long producerId = RecordBatch.NO_PRODUCER_ID;
    short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    int baseSequence = RecordBatch.NO_SEQUENCE;
    /** An indefinite failure of an earlier attempt: the batch may already be written. */
    TributaryException indefiniteFailure;
    private final CountDownLatch done = new CountDownLatch(1);

    private static final int INITIAL_BUFFER_BYTES = 1024;

    ProducerBatch(PartitionQueue queue, long createdMs, int reservedBytes, int batchSizeLimit) {
        this(queue, createdMs, reservedBytes, batchSizeLimit, CompressionType.NONE, new CompressionRatioEstimator());
    }

    /**
     * A compressed batch holds records until their uncompressed size times the topic's estimated
     * ratio reaches {@code batchSizeLimit}; its records section is compressed once, when built.
     */
    ProducerBatch(PartitionQueue queue, long createdMs, int reservedBytes, int batchSizeLimit,
                  CompressionType compression, CompressionRatioEstimator ratios) {
        this.queue = queue;
        this.createdMs = createdMs;
        this.reservedBytes = reservedBytes;
        this.batchSizeLimit = batchSizeLimit;
        this.compression = compression;
        this.ratios = ratios;
        this.sizeFactor = compression == CompressionType.NONE ? 1.0
                : Math.min(1.0, ratios.estimate(queue.topic) * CompressionRatioEstimator.ESTIMATION_MARGIN);
        // Starts small and grows by doubling: with many partitions written at a low rate most batches
        // hold a record or two, and zeroing batch.size bytes for each one was most of the producer's CPU.
        this.builder = new RecordBatchBuilder(Math.min(reservedBytes, INITIAL_BUFFER_BYTES)).compression(compression);
    }

    /** Appends unless closed or full; a refused append marks the batch full. Caller holds the queue lock. */
    boolean tryAppend(long timestamp, byte[] key, byte[] value, List<Header> headers, int estimatedSize,
                      CompletableFuture<RecordMetadata> future) {
        if (closed || full) {
            return false;
        }
        if (count > 0 && (builder.sizeInBytes() + estimatedSize) * sizeFactor > batchSizeLimit) {
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

    /** Sets (or clears, with -1s) the producer id, epoch and base sequence the batch is sent with. */
    void setProducerState(long producerId, short producerEpoch, int baseSequence) {
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        if (baseSequence == RecordBatch.NO_SEQUENCE) {
            requestGroup = -1;
        }
        if (built != null) {
            writeProducerState();
        }
    }

    boolean hasSequence() {
        return baseSequence != RecordBatch.NO_SEQUENCE;
    }

    /** The encoded batch; builds it on first call (sender thread, after {@link #close()}). */
    ByteBuffer buffer() {
        if (built == null) {
            built = builder.build();
            if (compression != CompressionType.NONE) {
                ratios.observe(queue.topic, builder.sizeInBytes(), built.remaining());
            }
            if (producerId != RecordBatch.NO_PRODUCER_ID || baseSequence != RecordBatch.NO_SEQUENCE) {
                writeProducerState();
            }
        }
        return built.duplicate();
    }

    /**
     * The builder is created before the producer id and sequence are known (sequences are assigned
     * at drain), so they are written into the built header here and the CRC recomputed.
     */
    private void writeProducerState() {
        built.putLong(RecordBatch.PRODUCER_ID_OFFSET, producerId);
        built.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, producerEpoch);
        built.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence);
        CRC32C crc = new CRC32C();
        ByteBuffer covered = built.duplicate();
        covered.position(RecordBatch.ATTRIBUTES_OFFSET);
        crc.update(covered);
        built.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
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
