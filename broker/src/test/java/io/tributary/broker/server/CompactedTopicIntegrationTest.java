package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.client.Admin;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.client.RecordMetadata;
import io.tributary.proto.TopicPartition;
import io.tributary.record.CompressionType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compacted topic on a real node: its cleaner keeps the latest record of every key at its
 * original offset and drops tombstones after delete.retention.ms, and a consumer reads the
 * compacted log from the start across the gaps compaction leaves.
 */
class CompactedTopicIntegrationTest {
    private static final String TOPIC = "latest-per-key";
    private static final int KEYS = 50;
    private static final int UPDATES = 4_000;

    @TempDir
    Path dataDir;

    @Test
    void theCleanerKeepsTheLatestRecordOfEveryKeyAndAConsumerReadsAcrossTheGaps() throws Exception {
        NodeConfig config = NodeConfig.ephemeral(dataDir).withCleaner(new NodeConfig.Cleaner(100, 256L << 20, 4L << 20))
                .withCheckpoints(new LogManager.Checkpoints(64L << 20, 200)); // the cleaner waits for checkpointed segments
        List<ConsumerRecord> compacted;
        Map<String, Long> latestOffset = new HashMap<>();
        Map<String, String> latestValue = new HashMap<>();
        try (BrokerNode node = BrokerNode.start(config)) {
            List<String> bootstrap = List.of(node.bootstrapAddress());
            try (Admin admin = Admin.create(bootstrap)) {
                assertThat(admin.createTopic(new NewTopic(TOPIC, 1, 1, Map.of("cleanup.policy", "compact",
                        "segment.bytes", "1024", "min.cleanable.dirty.ratio", "0.1", "delete.retention.ms", "0")))
                        .isSuccess()).isTrue();
            }
            List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
            List<String[]> sent = new ArrayList<>();
            try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).lingerMs(1).batchSize(256)
                    .compression(CompressionType.LZ4).build())) {
                for (int i = 0; i < UPDATES; i++) {
                    String key = "key-" + (i * 7 % KEYS);
                    // the last update of every fifth key is a tombstone: the key is deleted
                    boolean tombstone = i >= UPDATES - KEYS && key.hashCode() % 5 == 0;
                    String value = tombstone ? null : key + "@" + i;
                    sends.add(producer.send(ProducerRecord.of(TOPIC, bytes(key), value == null ? null : bytes(value))));
                    sent.add(new String[] {key, value});
                }
                producer.flush();
            }
            for (int i = 0; i < UPDATES; i++) {
                long offset = sends.get(i).join().offset();
                latestOffset.put(sent.get(i)[0], offset);
                latestValue.put(sent.get(i)[0], sent.get(i)[1]);
            }

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> consumeAll(bootstrap).size() < UPDATES / 10);

            compacted = consumeAll(bootstrap);
            assertLatestPerKey(compacted, latestOffset, latestValue);
        }
        // A restart hosts the compacted replica (its scan accepts the gaps) and serves the latest records.
        try (BrokerNode restarted = BrokerNode.start(config)) {
            List<ConsumerRecord> again = consumeAll(List.of(restarted.bootstrapAddress()));
            assertThat(again.size()).isLessThanOrEqualTo(compacted.size());
            assertLatestPerKey(again, latestOffset, latestValue);
        }
    }

    private static void assertLatestPerKey(List<ConsumerRecord> compacted, Map<String, Long> latestOffset,
                                           Map<String, String> latestValue) {
        Map<String, ConsumerRecord> lastServed = new HashMap<>();
        long previous = -1;
        for (ConsumerRecord record : compacted) {
            assertThat(record.offset()).isGreaterThan(previous);
            previous = record.offset();
            lastServed.put(new String(record.key(), StandardCharsets.UTF_8), record);
        }
        for (Map.Entry<String, String> e : latestValue.entrySet()) {
            ConsumerRecord served = lastServed.get(e.getKey());
            if (e.getValue() == null) {
                assertThat(served == null || served.value() == null).as("%s was deleted", e.getKey()).isTrue();
            } else {
                assertThat(served).as("the latest record of %s", e.getKey()).isNotNull();
                assertThat(served.offset()).isEqualTo(latestOffset.get(e.getKey()));
                assertThat(new String(served.value(), StandardCharsets.UTF_8)).isEqualTo(e.getValue());
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<ConsumerRecord> consumeAll(List<String> bootstrap) {
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        List<ConsumerRecord> out = new ArrayList<>();
        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).build())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = UPDATES; // the log end: every update was acknowledged at offsets 0..UPDATES-1
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            assertThat(consumer.position(tp)).as("the consumer reaches the end across the gaps").isEqualTo(end);
        }
        return out;
    }
}
