package io.tributary.chaos.workload;

import io.tributary.chaos.history.History;
import io.tributary.chaos.history.HistoryEvent.Type;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.client.TributaryException;
import io.tributary.record.CompressionType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One idempotent acks=all producer sending unique values ({@code p<n>-<seq>}) round-robin to the
 * topic's partitions at a fixed rate, recording each send's invocation and outcome: OK with the
 * offset, FAIL for a definite error, INFO for an indefinite one. At most
 * {@code maxInFlightPerPartition} sends are unanswered per partition, so a stalled partition slows
 * the workload instead of queueing without end; a partition whose window is full is skipped, so
 * one stalled partition does not stall the others (the availability figures would otherwise
 * measure the workload's window, not the cluster).
 */
public final class ProducerWorkload implements AutoCloseable {
    private final String process;
    private final String topic;
    private final int partitions;
    private final long intervalNanos;
    private final History history;
    private final Producer producer;
    private final Semaphore[] inFlight; // per partition
    private final Thread thread;
    private volatile boolean running = true;
    /** 0: records without a key; otherwise send i has key {@code key-(i mod keys)}. */
    private final int keys;

    public ProducerWorkload(int index, List<String> bootstrap, String topic, int partitions, int recordsPerSecond,
                            int maxInFlightPerPartition, History history) {
        this(index, bootstrap, topic, partitions, recordsPerSecond, maxInFlightPerPartition, history, 0);
    }

    /**
     * With {@code keys > 0} (a compacted topic) send i carries the key {@code key-(i mod keys)} and
     * the value {@code <key>:<process>-<i>}: unique, and the checker reads the key from it.
     */
    public ProducerWorkload(int index, List<String> bootstrap, String topic, int partitions, int recordsPerSecond,
                            int maxInFlightPerPartition, History history, int keys) {
        this.keys = keys;
        this.process = "p" + index;
        this.topic = topic;
        this.partitions = partitions;
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / Math.max(1, recordsPerSecond);
        this.history = history;
        this.inFlight = new Semaphore[partitions];
        for (int p = 0; p < partitions; p++) {
            inFlight[p] = new Semaphore(maxInFlightPerPartition);
        }
        this.producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).acks(-1)
                .enableIdempotence(true).lingerMs(5).requestTimeoutMs(5_000).deliveryTimeoutMs(30_000)
                .maxBlockMs(10_000).compression(codecOf(index)).build());
        this.thread = new Thread(this::run, "chaos-" + process);
    }

    private static final List<CompressionType> CODECS = List.of(CompressionType.NONE, CompressionType.ZSTD,
            CompressionType.LZ4, CompressionType.GZIP, CompressionType.SNAPPY);

    /** Producer i compresses with none, zstd, lz4, gzip, snappy in turn: the codecs meet the faults too. */
    static CompressionType codecOf(int index) {
        return CODECS.get(index % CODECS.size());
    }

    public void start() {
        thread.start();
    }

    private void run() {
        long next = System.nanoTime();
        int partition = 0;
        for (long seq = 0; running; seq++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing to the target rate, not synchronisation
            }
            next += intervalNanos;
            partition = acquireFrom(partition);
            if (partition < 0) {
                break;
            }
            send(seq, partition);
            partition = (partition + 1) % partitions;
        }
    }

    /** The first partition from {@code first} on (round-robin) with room in its window; -1 once stopped. */
    private int acquireFrom(int first) {
        while (running) {
            for (int i = 0; i < partitions; i++) {
                int partition = (first + i) % partitions;
                if (inFlight[partition].tryAcquire()) {
                    return partition;
                }
            }
            try {
                if (inFlight[first].tryAcquire(20, TimeUnit.MILLISECONDS)) {
                    return first;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        return -1;
    }

    private void send(long seq, int partition) {
        String key = keys > 0 ? "key-" + seq % keys : null;
        String value = (key == null ? "" : key + ":") + process + "-" + seq;
        history.record(process, Type.INVOKE, partition, value, -1, "");
        try {
            producer.send(ProducerRecord.of(topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                            value.getBytes(StandardCharsets.UTF_8)))
                    .whenComplete((metadata, error) -> {
                        if (error == null) {
                            history.record(process, Type.OK, partition, value, metadata.offset(), "");
                        } else {
                            recordFailure(partition, value, error);
                        }
                        inFlight[partition].release();
                    });
        } catch (RuntimeException e) {
            recordFailure(partition, value, e);
            inFlight[partition].release();
        }
    }

    private void recordFailure(int partition, String value, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        boolean definite = cause instanceof TributaryException te && te.isDefinite();
        String detail = cause instanceof TributaryException te ? te.code() + " " + te.getMessage() : cause.toString();
        history.record(process, definite ? Type.FAIL : Type.INFO, partition, value, -1, detail);
    }

    /** Stops sending, then waits up to {@code drain} for answers; what is still unanswered stays without an outcome (unknown). */
    @Override
    public void close() throws InterruptedException {
        close(Duration.ofSeconds(30));
    }

    public void close(Duration drain) throws InterruptedException {
        running = false;
        thread.join();
        producer.close(drain);
    }
}
