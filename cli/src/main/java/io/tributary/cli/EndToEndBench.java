package io.tributary.cli;

import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.proto.TopicPartition;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * End-to-end latency as Kafka's EndToEndLatency measures it: one record at a time to a
 * one-partition topic, timed from send until the consumer returns it.
 */
@Command(name = "e2e", mixinStandardHelpOptions = true,
        description = "Send one record at a time and time it until a consumer receives it; print p50/p99/p99.9.")
final class EndToEndBench implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster;

    @Option(names = "--topic", defaultValue = "bench-e2e", description = "One-partition topic (created if absent). Default: ${DEFAULT-VALUE}")
    String topic;

    @Option(names = "--num-records", defaultValue = "10000", description = "Default: ${DEFAULT-VALUE}")
    int numRecords;

    @Option(names = "--record-size", defaultValue = "100", description = "Default: ${DEFAULT-VALUE}")
    int recordSize;

    @Option(names = "--acks", defaultValue = "-1", description = "Default: ${DEFAULT-VALUE}")
    int acks;

    @Option(names = "--replication-factor", defaultValue = "0", description = "Replication factor when the topic is created; 0 = the broker default. Default: ${DEFAULT-VALUE}")
    int replicationFactor;

    @Option(names = "--topic-config", paramLabel = "KEY=VALUE", description = "Topic config when the topic is created, e.g. min.insync.replicas=2.")
    Map<String, String> topicConfigs = new java.util.HashMap<>();

    @Option(names = "--warmup", defaultValue = "500", description = "Records sent before measuring. Default: ${DEFAULT-VALUE}")
    int warmup;

    @Override
    public Integer call() throws Exception {
        TopicSupport.ensureTopic(cluster.servers(), topic, 1, replicationFactor, topicConfigs);
        TopicPartition tp = new TopicPartition(topic, 0);
        Histogram latencyMicros = LatencyReport.newHistogram();
        Random random = new Random(7);
        ProducerConfig producerConfig = ProducerConfig.builder().bootstrapServers(cluster.servers()).acks(acks).enableIdempotence(acks == -1)
                .lingerMs(0).build();
        ConsumerConfig consumerConfig = ConsumerConfig.builder().bootstrapServers(cluster.servers())
                .fetchMaxWaitMs(1000).build();
        try (Producer producer = new Producer(producerConfig); Consumer consumer = new Consumer(consumerConfig)) {
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            for (int i = 0; i < warmup + numRecords; i++) {
                byte[] value = new byte[recordSize];
                random.nextBytes(value);
                long startNanos = System.nanoTime();
                producer.send(new ProducerRecord(topic, 0, null, null, value, List.of())).get(30, TimeUnit.SECONDS);
                ConsumerRecord received = awaitRecord(consumer);
                long micros = (System.nanoTime() - startNanos) / 1000;
                if (!Arrays.equals(received.value(), value)) {
                    System.err.println("consumer returned a different record than the one sent at offset " + received.offset());
                    return TributaryCli.EXIT_REQUEST_FAILED;
                }
                if (i >= warmup) {
                    latencyMicros.recordValue(micros);
                }
            }
        }
        System.out.printf("%d records, end-to-end %s%n", numRecords, LatencyReport.percentiles(latencyMicros));
        return TributaryCli.EXIT_OK;
    }

    private static ConsumerRecord awaitRecord(Consumer consumer) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(1000));
            if (records.size() > 1) {
                throw new IllegalStateException("expected one record per poll, got " + records.size());
            }
            if (records.size() == 1) {
                return records.get(0);
            }
        }
        throw new IllegalStateException("the consumer did not receive the record within 30 s");
    }
}
