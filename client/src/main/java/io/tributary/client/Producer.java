package io.tributary.client;

import io.tributary.client.internal.BrokerAddress;
import io.tributary.client.internal.BufferPool;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.Cluster;
import io.tributary.client.internal.MetadataManager;
import io.tributary.client.internal.ProducerBatch;
import io.tributary.client.internal.RecordAccumulator;
import io.tributary.client.internal.RecordAccumulator.AppendResult;
import io.tributary.client.internal.GrpcProducerTransport;
import io.tributary.client.internal.ProduceDispatcher;
import io.tributary.client.internal.Sender;
import io.tributary.proto.v1.PartitionMetadata;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends records to Tributary, batching them per partition. Thread-safe: many threads may call
 * {@link #send} concurrently.
 *
 * <p>Each {@code send} appends the record to its partition's open batch and returns a future; one
 * sender thread ships batches when they are full ({@code batchSize}) or {@code lingerMs} old, and
 * completes each future with the record's offset. A future fails with a {@link TributaryException}
 * whose {@link TributaryException#isDefinite()} says whether the record certainly was not written.
 * Records with a null key and no partition are spread by sticky partitioning (see
 * {@link DefaultPartitioner}).
 *
 * <p>By default the producer is idempotent ({@link ProducerConfig#enableIdempotence()}): before its
 * first send it gets a producer id from the cluster, numbers each partition's batches, and retries
 * indefinite failures (timeouts, transport errors) within deliveryTimeoutMs without duplicating
 * records, since the broker answers a resent batch with its original offset.
 */
public final class Producer implements AutoCloseable {
    private static final AtomicInteger IDS = new AtomicInteger();

    private final ProducerConfig config;
    private final ChannelPool channels;
    private final MetadataManager metadata;
    private final BufferPool pool;
    private final RecordAccumulator accumulator;
    private final Sender sender;
    private final Thread senderThread;
    private final Partitioner partitioner;
    private volatile boolean closed;

    public Producer(ProducerConfig config) {
        this.config = config;
        this.partitioner = config.partitioner() != null ? config.partitioner() : new DefaultPartitioner();
        this.channels = new ChannelPool();
        this.pool = new BufferPool(config.bufferMemory());
        Sender[] senderRef = new Sender[1];
        this.metadata = new MetadataManager(channels, BrokerAddress.parseAll(config.bootstrapServers()),
                config.requestTimeoutMs(), config.retryBackoffMs(), () -> {
                    if (senderRef[0] != null) {
                        senderRef[0].wakeup();
                    }
                });
        this.accumulator = new RecordAccumulator(config.batchSize(), config.compression(), config.maxBlockMs(), pool,
                System::currentTimeMillis, config.lingerMs(), dueMs -> {
            if (senderRef[0] != null) {
                senderRef[0].wakeupBy(dueMs);
            }
        });
        this.sender = new Sender(System::currentTimeMillis, completions -> new ProduceDispatcher(config, accumulator,
                metadata, new GrpcProducerTransport(channels), System::currentTimeMillis, completions));
        senderRef[0] = sender;
        this.senderThread = sender.start("tributary-producer-" + IDS.incrementAndGet() + "-sender");
    }

    public ProducerConfig config() {
        return config;
    }

    /**
     * Queues a record and returns a future for its metadata. Blocks up to maxBlockMs when the
     * topic's metadata is not known yet or the buffer memory is used up. Failures are reported
     * through the future: {@link RecordTooLargeException} at once for a record over maxRequestSize
     * or bufferMemory, {@link UnknownTopicOrPartitionException} when the topic stays unknown for
     * maxBlockMs, {@link TimeoutException} (definite) when buffer memory stays full.
     *
     * @throws IllegalStateException when the producer is closed
     */
    public CompletableFuture<RecordMetadata> send(ProducerRecord record) {
        if (closed) {
            throw new IllegalStateException("producer is closed");
        }
        try {
            return doSend(record);
        } catch (TributaryException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<RecordMetadata> doSend(ProducerRecord record) {
        String topic = record.topic();
        int size = RecordBatchBuilder.estimateRecordSize(record.key(), record.value(), record.headers());
        long batchBytes = (long) size + RecordBatch.HEADER_SIZE;
        if (batchBytes > config.maxRequestSize() || batchBytes > config.bufferMemory()) {
            throw new RecordTooLargeException("record of " + batchBytes + " bytes (with batch header) exceeds "
                    + (batchBytes > config.maxRequestSize() ? "maxRequestSize=" + config.maxRequestSize()
                    : "bufferMemory=" + config.bufferMemory()));
        }
        Cluster.Topic info = metadata.cluster().topic(topic);
        if (info == null || !info.usable()) {
            info = metadata.awaitTopic(topic, config.maxBlockMs());
        }
        int numPartitions = info.partitionCount();
        long timestamp = record.timestamp() != null ? record.timestamp() : System.currentTimeMillis();
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        if (record.partition() != null) {
            int partition = record.partition();
            if (partition >= numPartitions) {
                throw new UnknownTopicOrPartitionException("partition " + partition + " of topic '" + topic
                        + "' does not exist: it has " + numPartitions + " partition(s)");
            }
            accumulator.append(accumulator.queue(topic, partition), timestamp, record.key(), record.value(),
                    record.headers(), size, future, false);
            return future;
        }
        int partition = partitioner.partition(topic, record.key(), numPartitions);
        boolean sticky = record.key() == null;
        AppendResult result = accumulator.append(accumulator.queue(topic, partition), timestamp, record.key(),
                record.value(), record.headers(), size, future, sticky);
        if (result == AppendResult.ABORTED_FOR_NEW_BATCH) {
            partitioner.onNewBatch(topic, numPartitions, partition);
            partition = partitioner.partition(topic, record.key(), numPartitions);
            accumulator.append(accumulator.queue(topic, partition), timestamp, record.key(), record.value(),
                    record.headers(), size, future, false);
        }
        return future;
    }

    /** Sends everything queued now and blocks until every record sent before the call is acknowledged or failed. */
    public void flush() {
        flush(Long.MAX_VALUE);
    }

    /** Like {@link #flush()} but waits at most {@code timeoutMs}; returns false when records are still pending. */
    private boolean flush(long timeoutMs) {
        long deadline = timeoutMs == Long.MAX_VALUE ? Long.MAX_VALUE
                : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        accumulator.beginFlush();
        try {
            sender.wakeup();
            for (ProducerBatch batch : accumulator.incompleteBatches()) {
                if (deadline == Long.MAX_VALUE) {
                    batch.await();
                } else if (!batch.await(TimeUnit.NANOSECONDS.toMillis(Math.max(0, deadline - System.nanoTime())))) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted while flushing", false, e);
        } finally {
            accumulator.endFlush();
        }
    }

    /** The partitions of a topic; blocks up to maxBlockMs for its metadata. */
    public List<PartitionInfo> partitionsFor(String topic) {
        if (closed) {
            throw new IllegalStateException("producer is closed");
        }
        Cluster.Topic info = metadata.awaitTopic(topic, config.maxBlockMs());
        List<PartitionInfo> out = new ArrayList<>(info.partitionCount());
        for (PartitionMetadata p : info.partitions()) {
            if (p != null) {
                out.add(new PartitionInfo(topic, p.getPartition(), p.getLeaderId(), p.getLeaderEpoch(),
                        p.getReplicasList(), p.getIsrList()));
            }
        }
        return out;
    }

    /** Flushes, then stops the sender and closes the connections. Idempotent. */
    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE));
    }

    /**
     * Flushes for at most {@code timeout}, then closes. Records still unsent then fail with a
     * definite {@link TimeoutException}; records in flight fail with an indefinite one.
     */
    public synchronized void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        boolean flushed = false;
        try {
            flushed = flush(timeout.toMillis());
        } finally {
            if (flushed) {
                sender.initiateClose();
            } else {
                sender.forceClose();
                channels.close(); // cancels in-flight calls: they fail as indefinite
            }
            try {
                senderThread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pool.close();
            channels.close();
        }
    }

    /** Used by tests: bytes of buffer memory not reserved by a batch. */
    long availableBufferMemory() {
        return pool.availableBytes();
    }
}
