package io.tributary.cli;

import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.proto.TopicPartition;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Consumer throughput from the beginning of every partition of a topic. */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Read --num-records records from the beginning of a topic; print records/s and MB/s.")
final class ConsumeBench implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster;

    @Option(names = "--topic", defaultValue = "bench", description = "Default: ${DEFAULT-VALUE}")
    String topic;

    @Option(names = "--num-records", defaultValue = "1000000", description = "Default: ${DEFAULT-VALUE}")
    long numRecords;

    @Option(names = "--timeout-ms", defaultValue = "10000", description = "Give up after this long without a record. Default: ${DEFAULT-VALUE}")
    long timeoutMs;

    @Mixin
    BrokerCpuOption brokerCpu = new BrokerCpuOption();

    @Override
    public Integer call() throws Exception {
        List<TopicPartition> partitions = TopicSupport.partitions(cluster.servers(), topic);
        ConsumerConfig config = ConsumerConfig.builder().bootstrapServers(cluster.servers()).build();
        long records = 0;
        long bytes = 0;
        brokerCpu.start();
        long startNanos;
        long lastRecordNanos;
        try (Consumer consumer = new Consumer(config)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            startNanos = System.nanoTime();
            lastRecordNanos = startNanos;
            while (records < numRecords) {
                List<ConsumerRecord> batch = consumer.poll(Duration.ofMillis(500));
                long now = System.nanoTime();
                if (batch.isEmpty()) {
                    if (now - lastRecordNanos > timeoutMs * 1_000_000L) {
                        System.err.printf("no record for %d ms after %d records; stopping%n", timeoutMs, records);
                        break;
                    }
                    continue;
                }
                lastRecordNanos = now;
                for (ConsumerRecord record : batch) {
                    records++;
                    bytes += (record.value() == null ? 0 : record.value().length)
                            + (record.key() == null ? 0 : record.key().length);
                }
            }
        }
        double seconds = (lastRecordNanos - startNanos) / 1e9;
        System.out.printf("%d records consumed in %.2f s, %.1f records/sec (%.2f MB/sec)%n", records, seconds,
                records / seconds, bytes / seconds / (1024 * 1024));
        brokerCpu.report(records);
        return records >= numRecords ? TributaryCli.EXIT_OK : TributaryCli.EXIT_REQUEST_FAILED;
    }
}
