package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.config.NodeConfig;
import io.tributary.client.Admin;
import io.tributary.client.AutoOffsetReset;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRebalanceListener;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.NewTopic;
import io.tributary.client.OffsetAndMetadata;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.proto.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumers of the SDK in one group against a real node: they split the partitions, read every
 * record once, commit as they go, and a consumer that leaves hands its partitions to the other,
 * which goes on from the committed offsets.
 */
class ConsumerGroupIntegrationTest {
    private static final String TOPIC = "events";
    private static final int PARTITIONS = 6;

    @TempDir
    Path dataDir;
    private BrokerNode node;
    private String bootstrap;
    private final List<Consumer> consumers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        node = BrokerNode.start(NodeConfig.ephemeral(dataDir).withGroups(new NodeConfig.Groups(4, 1, 6_000, 200, 100, 4096)));
        bootstrap = "127.0.0.1:" + node.clientPort();
        try (Admin admin = Admin.create(List.of(bootstrap))) {
            admin.createTopics(List.of(NewTopic.of(TOPIC, PARTITIONS, 1)));
        }
    }

    @AfterEach
    void stop() {
        consumers.forEach(Consumer::close);
        node.close();
    }

    private void produce(int from, int count) {
        try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).build())) {
            for (int i = from; i < from + count; i++) {
                producer.send(ProducerRecord.of(TOPIC, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    private Consumer member(ConsumerRebalanceListener listener) {
        Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).groupId("g")
                .autoOffsetReset(AutoOffsetReset.EARLIEST).autoCommitIntervalMs(100).build());
        consumer.subscribe(List.of(TOPIC), listener);
        consumers.add(consumer);
        return consumer;
    }

    /** A listener that records what the consumer owns. */
    private static final class Owned implements ConsumerRebalanceListener {
        final Set<TopicPartition> now = ConcurrentHashMap.newKeySet();
        final List<Collection<TopicPartition>> revocations = new CopyOnWriteArrayList<>();

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            now.removeAll(partitions);
            revocations.add(List.copyOf(partitions));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            now.addAll(partitions);
        }
    }

    @Test
    void twoMembersSplitThePartitionsAndOneLeavingHandsItsOnesOver() {
        produce(0, 600);
        Owned ownedA = new Owned();
        Owned ownedB = new Owned();
        Consumer a = member(ownedA);
        Consumer b = member(ownedB);
        Map<String, Integer> seen = new HashMap<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (Consumer c : List.of(a, b)) {
                for (ConsumerRecord r : c.poll(Duration.ofMillis(50))) {
                    seen.merge(new String(r.value(), StandardCharsets.UTF_8), 1, Integer::sum);
                }
            }
            return seen.size() == 600 && ownedA.now.size() == 3 && ownedB.now.size() == 3;
        });
        assertThat(seen.values()).as("no record delivered twice without a failure").allMatch(n -> n == 1);
        Set<TopicPartition> union = new HashSet<>(ownedA.now);
        union.addAll(ownedB.now);
        assertThat(union).hasSize(PARTITIONS);

        // b leaves: its partitions go to a, which reads only what b had not committed (here: nothing)
        Set<TopicPartition> fromB = Set.copyOf(ownedB.now);
        b.close();
        consumers.remove(b);
        produce(600, 60);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (ConsumerRecord r : a.poll(Duration.ofMillis(50))) {
                seen.merge(new String(r.value(), StandardCharsets.UTF_8), 1, Integer::sum);
            }
            return seen.size() == 660 && ownedA.now.size() == PARTITIONS;
        });
        assertThat(seen.values()).allMatch(n -> n == 1);
        assertThat(ownedA.revocations).as("a kept its own partitions throughout").isEmpty();
        assertThat(ownedA.now).containsAll(fromB);

        a.commitSync();
        Map<TopicPartition, OffsetAndMetadata> committed = a.committed(ownedA.now);
        assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(660);
        try (Admin admin = Admin.create(List.of(bootstrap))) {
            assertThat(admin.describeGroup("g").getMembersList()).as("the member's client host, as Kafka writes it")
                    .extracting(m -> m.getClientHost()).containsExactly("/127.0.0.1");
        }
    }

    @Test
    void aMemberThatIsGoneWithoutLeavingLosesItsPartitionsAfterTheSession() {
        produce(0, 120);
        Owned ownedA = new Owned();
        Consumer a = member(ownedA);
        Consumer silent = member(new Owned());
        AtomicBoolean split = new AtomicBoolean();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            a.poll(Duration.ofMillis(50));
            silent.poll(Duration.ofMillis(50));
            split.set(ownedA.now.size() == 3);
            return split.get();
        });
        // the silent member stops polling (a hung process): after the session its partitions move to a
        List<String> read = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            a.poll(Duration.ofMillis(100)).forEach(r -> read.add(new String(r.value(), StandardCharsets.UTF_8)));
            return ownedA.now.size() == PARTITIONS;
        });
        assertThat(ownedA.revocations).isEmpty();
    }

    @Test
    void lagInRecordsAndSecondsIsAMetricPerGroupAndPartition() throws Exception {
        produce(0, 60);
        try (Admin admin = Admin.create(List.of(bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                start.put(new TopicPartition(TOPIC, p), new OffsetAndMetadata(0));
            }
            admin.alterGroupOffsets("idle-group", start); // committed at the start, never consumed
        }
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest scrape = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + node.metricsPort() + "/metrics")).build();
        double[] lag = new double[2];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String text = http.send(scrape, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            lag[0] = sum(text, "tributary_group_lag_records{group=\"idle-group\"");
            lag[1] = max(text, "tributary_group_lag_seconds{group=\"idle-group\"");
            return lag[0] == 60;
        });
        assertThat(lag[1]).as("the oldest unconsumed record's age").isGreaterThan(0);
    }

    @Test
    void deletingATopicRemovesTheGroupsOffsetsInIt() {
        produce(0, 30);
        try (Admin admin = Admin.create(List.of(bootstrap))) {
            admin.createTopics(List.of(NewTopic.of("other", 1, 1)));
            admin.alterGroupOffsets("g", Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(3),
                    new TopicPartition("other", 0), new OffsetAndMetadata(0)));
            admin.deleteTopics(List.of(TOPIC));
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.listGroupOffsets("g").keySet().stream()
                    .noneMatch(tp -> tp.topic().equals(TOPIC)));
            assertThat(admin.listGroupOffsets("g")).containsOnlyKeys(new TopicPartition("other", 0));

            // created again under the same name, the topic is read from the start, not from offset 3
            admin.createTopics(List.of(NewTopic.of(TOPIC, 1, 1)));
            produce(100, 5);
            Consumer consumer = member(new Owned());
            List<String> read = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> read.add(new String(r.value(), StandardCharsets.UTF_8)));
                return read.size() >= 5;
            });
            assertThat(read).containsExactly("v100", "v101", "v102", "v103", "v104");
        }
    }

    private static double sum(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(GroupIntegrationValues::value).sum();
    }

    private static double max(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(GroupIntegrationValues::value).max().orElse(0);
    }

    /** The value of one Prometheus text line. */
    private static final class GroupIntegrationValues {
        static double value(String line) {
            return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
    }
}
