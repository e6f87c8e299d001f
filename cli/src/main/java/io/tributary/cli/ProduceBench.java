package io.tributary.cli;

import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Producer throughput and latency, with the parameters of Kafka's ProducerPerformance. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Send --num-records records of --record-size bytes as fast as allowed; print records/s, MB/s and latency percentiles.")
final class ProduceBench implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster;

    @Option(names = "--topic", defaultValue = "bench", description = "Topic (created if absent). Default: ${DEFAULT-VALUE}")
    String topic;

    @Option(names = "--num-records", defaultValue = "1000000", description = "Default: ${DEFAULT-VALUE}")
    long numRecords;

    @Option(names = "--record-size", defaultValue = "100", description = "Value size in bytes. Default: ${DEFAULT-VALUE}")
    int recordSize;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions when the topic is created. Default: ${DEFAULT-VALUE}")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "0", description = "Replication factor when the topic is created; 0 = the broker default. Default: ${DEFAULT-VALUE}")
    int replicationFactor;

    @Option(names = "--acks", defaultValue = "-1", description = "-1 (all), 0 or 1. Default: ${DEFAULT-VALUE}")
    int acks;

    @Option(names = "--linger-ms", defaultValue = "5", description = "Default: ${DEFAULT-VALUE}")
    long lingerMs;

    @Option(names = "--batch-size", defaultValue = "65536", description = "Batch size in bytes. Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--throughput", defaultValue = "-1", description = "Cap in records/s; -1 for none. Default: ${DEFAULT-VALUE}")
    long throughput;

    @Option(names = "--topic-config", paramLabel = "KEY=VALUE", description = "Topic config when the topic is created, e.g. flush.policy=interval.")
    java.util.Map<String, String> topicConfigs = new java.util.HashMap<>();

    @Option(names = "--payload-file", paramLabel = "FILE",
            description = "Send values drawn at random from the lines of FILE (UTF-8) instead of --record-size random"
                    + " bytes, as Kafka's ProducerPerformance does: compressible payloads for --compression.")
    Path payloadFile;

    @Option(names = "--keys", defaultValue = "0", paramLabel = "N",
            description = "Give record i the key key-(i mod N), for compacted topics; 0 sends no keys. Default: ${DEFAULT-VALUE}")
    int keys;

    @Mixin
    CompressionOption compression = new CompressionOption();

    @Mixin
    BrokerCpuOption brokerCpu = new BrokerCpuOption();

    @Override
    public Integer call() throws Exception {
        if (numRecords <= 0 || recordSize < 0 || keys < 0) {
            throw new IllegalArgumentException("--num-records must be > 0, --record-size >= 0 and --keys >= 0");
        }
        TopicSupport.ensureTopic(cluster.servers(), topic, partitions, replicationFactor, topicConfigs);
        byte[][] payloads = payloads();
        Random pick = new Random(42);
        long payloadBytes = 0;
        Histogram latencyMicros = new ConcurrentHistogram(3_600_000_000L, 3);
        AtomicLong errors = new AtomicLong();
        AtomicLong firstError = new AtomicLong(-1);
        ProducerConfig config = ProducerConfig.builder().bootstrapServers(cluster.servers()).acks(acks).enableIdempotence(acks == -1)
                .lingerMs(lingerMs).batchSize(batchSize).compression(compression.type()).build();
        brokerCpu.start();
        long startNanos;
        long endNanos;
        String errorText;
        try (Producer producer = new Producer(config)) {
            StringBuilder firstErrorText = new StringBuilder();
            startNanos = System.nanoTime();
            for (long i = 0; i < numRecords; i++) {
                if (throughput > 0) {
                    long dueNanos = startNanos + i * 1_000_000_000L / throughput;
                    long aheadNanos = dueNanos - System.nanoTime();
                    if (aheadNanos > 0) {
                        LockSupport.parkNanos(aheadNanos);
                    }
                }
                byte[] payload = payloads.length == 1 ? payloads[0] : payloads[pick.nextInt(payloads.length)];
                payloadBytes += payload.length;
                long sendNanos = System.nanoTime();
                byte[] key = keys > 0 ? ("key-" + i % keys).getBytes(StandardCharsets.UTF_8) : null;
                producer.send(ProducerRecord.of(topic, key, payload)).whenComplete((metadata, error) -> {
                    if (error != null) {
                        errors.incrementAndGet();
                        if (firstError.compareAndSet(-1, 0)) {
                            synchronized (firstErrorText) {
                                firstErrorText.append(error);
                            }
                        }
                    } else {
                        latencyMicros.recordValue(Math.max(0, (System.nanoTime() - sendNanos) / 1000));
                    }
                });
            }
            producer.flush();
            endNanos = System.nanoTime();
            synchronized (firstErrorText) {
                errorText = firstErrorText.toString();
            }
        }
        double seconds = (endNanos - startNanos) / 1e9;
        long acked = numRecords - errors.get();
        System.out.printf("%d records sent, %.1f records/sec (%.2f MB/sec), %s.%n", acked, acked / seconds,
                payloadBytes * (acked / (double) numRecords) / seconds / (1024 * 1024),
                LatencyReport.percentiles(latencyMicros));
        brokerCpu.report(numRecords);
        if (errors.get() > 0) {
            System.err.printf("%d records failed; first error: %s%n", errors.get(), errorText);
            return TributaryCli.EXIT_REQUEST_FAILED;
        }
        return TributaryCli.EXIT_OK;
    }

    private byte[][] payloads() throws IOException {
        if (payloadFile == null) {
            byte[] random = new byte[recordSize];
            new Random(42).nextBytes(random);
            return new byte[][] {random};
        }
        byte[][] lines = Files.readAllLines(payloadFile, StandardCharsets.UTF_8).stream()
                .filter(line -> !line.isEmpty()).map(line -> line.getBytes(StandardCharsets.UTF_8))
                .toArray(byte[][]::new);
        if (lines.length == 0) {
            throw new IllegalArgumentException("--payload-file " + payloadFile + " has no non-empty line");
        }
        return lines;
    }
}
