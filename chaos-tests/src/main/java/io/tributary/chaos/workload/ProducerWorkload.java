package io.tributary.chaos.workload;

import io.tributary.chaos.history.History;
import io.tributary.chaos.history.HistoryEvent.Type;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.client.TributaryException;
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
 * offset, FAIL for a definite error, INFO for an indefinite one. At most {@code maxInFlight} sends
 * are unanswered at once, so a stalled cluster slows the workload instead of queueing without end.
 */
public final class ProducerWorkload implements AutoCloseable {
    private final String process;
    private final String topic;
    private final int partitions;
    private final long intervalNanos;
    private final History history;
    private final Producer producer;
    private final Semaphore inFlight;
    private final Thread thread;
    private volatile boolean running = true;

    public ProducerWorkload(int index, List<String> bootstrap, String topic, int partitions, int recordsPerSecond,
                            int maxInFlight, History history) {
        this.process = "p" + index;
        this.topic = topic;
        this.partitions = partitions;
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / Math.max(1, recordsPerSecond);
        this.history = history;
        this.inFlight = new Semaphore(maxInFlight);
        this.producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).acks(-1)
                .enableIdempotence(true).lingerMs(5).requestTimeoutMs(5_000).deliveryTimeoutMs(30_000)
                .maxBlockMs(10_000).build());
        this.thread = new Thread(this::run, "chaos-" + process);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        long next = System.nanoTime();
        for (long seq = 0; running; seq++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing to the target rate, not synchronisation
            }
            next += intervalNanos;
            if (!acquire()) {
                break;
            }
            send(seq);
        }
    }

    private boolean acquire() {
        while (running) {
            try {
                if (inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private void send(long seq) {
        int partition = (int) (seq % partitions);
        String value = process + "-" + seq;
        history.record(process, Type.INVOKE, partition, value, -1, "");
        try {
            producer.send(ProducerRecord.of(topic, partition, null, value.getBytes(StandardCharsets.UTF_8)))
                    .whenComplete((metadata, error) -> {
                        if (error == null) {
                            history.record(process, Type.OK, partition, value, metadata.offset(), "");
                        } else {
                            recordFailure(partition, value, error);
                        }
                        inFlight.release();
                    });
        } catch (RuntimeException e) {
            recordFailure(partition, value, e);
            inFlight.release();
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
