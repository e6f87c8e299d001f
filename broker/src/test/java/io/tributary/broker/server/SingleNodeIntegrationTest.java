package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.config.NodeConfig;
import io.tributary.client.Admin;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.DefaultPartitioner;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.client.RecordMetadata;
import io.tributary.proto.TopicPartition;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real node on ephemeral ports, driven through the Java SDK. */
class SingleNodeIntegrationTest {
    private static final int PARTITIONS = 6;
    private static final int RECORDS = 100_000;

    @TempDir
    Path dataDir;

    @Test
    void producesAndConsumesOneHundredThousandKeyedRecordsAndKeepsThemAcrossRestart() throws Exception {
        Map<TopicPartition, List<ConsumerRecord>> expected = new HashMap<>();
        try (BrokerNode node = BrokerNode.start(NodeConfig.ephemeral(dataDir))) {
            List<String> bootstrap = List.of(node.bootstrapAddress());
            try (Admin admin = Admin.create(bootstrap)) {
                assertThat(admin.createTopic(new NewTopic("events", PARTITIONS, 1, Map.of())).isSuccess()).isTrue();
            }
            List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>(RECORDS);
            try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).build())) {
                for (int i = 0; i < RECORDS; i++) {
                    sends.add(producer.send(ProducerRecord.of("events", key(i), value(i))));
                }
                producer.flush();
            }
            for (int i = 0; i < RECORDS; i++) {
                RecordMetadata metadata = sends.get(i).join();
                assertThat(metadata.partition()).as("murmur2 placement of key %d", i)
                        .isEqualTo(DefaultPartitioner.partitionForKey(key(i), PARTITIONS));
                expected.computeIfAbsent(new TopicPartition("events", metadata.partition()), tp -> new ArrayList<>())
                        .add(new ConsumerRecord("events", metadata.partition(), metadata.offset(), metadata.timestamp(),
                                key(i), value(i), List.of()));
            }
            assertConsumesExactly(bootstrap, expected);
            assertMetricsServed(node.metricsPort());
        }

        try (BrokerNode restarted = BrokerNode.start(NodeConfig.ephemeral(dataDir))) {
            List<String> bootstrap = List.of(restarted.bootstrapAddress());
            assertConsumesExactly(bootstrap, expected);
            try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).build())) {
                RecordMetadata next = producer.send(new ProducerRecord("events", 0, null, null, value(-1), List.of())).get();
                assertThat(next.offset()).as("offsets continue after restart, never reused")
                        .isEqualTo(expected.get(new TopicPartition("events", 0)).size());
            }
        }
    }

    private static void assertConsumesExactly(List<String> bootstrap, Map<TopicPartition, List<ConsumerRecord>> expected) {
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition("events", p)).toList();
        Map<TopicPartition, List<ConsumerRecord>> consumed = new HashMap<>();
        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).build())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            int total = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (total < RECORDS && System.nanoTime() < deadline) {
                for (ConsumerRecord record : consumer.poll(Duration.ofMillis(500))) {
                    consumed.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), tp -> new ArrayList<>())
                            .add(record);
                    total++;
                }
            }
            assertThat(total).isEqualTo(RECORDS);
        }
        for (TopicPartition tp : partitions) {
            List<ConsumerRecord> want = expected.getOrDefault(tp, List.of());
            List<ConsumerRecord> got = consumed.getOrDefault(tp, List.of());
            assertThat(got).as("records of %s", tp).hasSize(want.size());
            for (int i = 0; i < want.size(); i++) {
                assertThat(got.get(i).offset()).as("dense, ordered offsets in %s", tp).isEqualTo(i);
                assertThat(got.get(i).offset()).isEqualTo(want.get(i).offset());
                assertThat(got.get(i).key()).isEqualTo(want.get(i).key());
                assertThat(got.get(i).value()).isEqualTo(want.get(i).value());
            }
        }
    }

    private static void assertMetricsServed(int metricsPort) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains("tributary_request_latency_seconds_count{api=\"Produce\"")
                .contains("tributary_request_latency_seconds{api=\"Fetch\",quantile=\"0.99\"")
                .contains("tributary_bytes_in_bytes_total")
                .contains("tributary_bytes_out_bytes_total")
                .contains("tributary_log_end_offset{partition=\"0\",topic=\"events\"}")
                .contains("jvm_memory_used_bytes")
                .contains("process_cpu_usage");
        String body = response.body();
        assertThat(metricValue(body, "tributary_partitions")).isEqualTo(PARTITIONS);
        assertThat(metricValue(body, "tributary_partitions_leader")).isEqualTo(PARTITIONS);
        assertThat(metricValue(body, "tributary_controller_active")).isEqualTo(1);
        assertThat(metricValue(body, "tributary_controller_brokers_registered")).isEqualTo(1);
        assertThat(metricValue(body, "tributary_controller_brokers_fenced")).isZero();
        assertThat(metricValue(body, "tributary_controller_partitions_offline")).isZero();
        assertThat(metricValue(body, "tributary_metadata_applied_offset")).isPositive();
        assertThat(metricValue(body, "tributary_metadata_term")).isPositive();
        assertThat(metricValue(body, "tributary_log_fsync_seconds_count")).isPositive();
        assertThat(metricValue(body, "tributary_disk_usable_bytes")).isPositive()
                .isLessThanOrEqualTo(metricValue(body, "tributary_disk_total_bytes"));
        assertThat(metricValue(body, "process_resident_memory_bytes")).isGreaterThan(16 * 1024 * 1024);
    }

    /** The value of an untagged sample {@code name} in a Prometheus text exposition. */
    private static double metricValue(String exposition, String name) {
        return exposition.lines().filter(line -> line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(name.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no sample " + name + " in\n" + exposition));
    }

    private static byte[] key(int i) {
        return ("key-" + (i % 997)).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int i) {
        return ("value-" + i + "-" + "x".repeat(Math.floorMod(i, 50))).getBytes(StandardCharsets.UTF_8);
    }
}
