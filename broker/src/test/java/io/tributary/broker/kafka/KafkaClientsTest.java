package io.tributary.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.server.BrokerNode;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own Java clients (kafka-clients) against one node's Kafka listener: Admin, an idempotent
 * producer, and a consumer; and records crossing between the Kafka listener and the gRPC API.
 */
class KafkaClientsTest {
    @TempDir
    Path dataDir;
    private BrokerNode node;
    private String kafkaBootstrap;

    @BeforeEach
    void start() throws Exception {
        node = BrokerNode.start(NodeConfig.ephemeral(dataDir).withGroups(new NodeConfig.Groups(4, 1, 6_000, 500, 100, 4096)));
        kafkaBootstrap = "127.0.0.1:" + node.kafkaPort();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private Properties common() {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafkaBootstrap);
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "20000");
        return p;
    }

    private KafkaProducer<byte[], byte[]> producer(String compression) {
        Properties p = common();
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("enable.idempotence", "true");
        p.put("acks", "all");
        p.put("compression.type", compression);
        p.put("max.block.ms", "20000");
        return new KafkaProducer<>(p);
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return consumer(common());
    }

    private KafkaConsumer<byte[], byte[]> groupMember(String group, String protocol) {
        Properties p = common();
        p.put("group.id", group);
        p.put("group.protocol", protocol);
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        return consumer(p);
    }

    private KafkaConsumer<byte[], byte[]> consumer(Properties p) {
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    private List<ConsumerRecord<byte[], byte[]>> readAll(TopicPartition tp, int count) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void adminCreatesDescribesAndDeletesTopics() throws Exception {
        try (Admin admin = Admin.create(common())) {
            admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get();
            TopicDescription described = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
            assertThat(described.partitions()).hasSize(3);
            assertThat(described.partitions().get(0).leader().id()).isEqualTo(1);
            assertThat(admin.describeCluster().nodes().get()).singleElement()
                    .satisfies(n -> assertThat(n.port()).isEqualTo(node.kafkaPort()));
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicExistsException.class);

            admin.createPartitions(Map.of("orders", org.apache.kafka.clients.admin.NewPartitions.increaseTo(5))).all().get();
            // the new partitions get their leaders through the metadata log
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> admin.describeTopics(
                    List.of("orders")).allTopicNames().get().get("orders").partitions().stream().allMatch(p -> p.leader() != null));
            assertThat(admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders").partitions()).hasSize(5);
            try (KafkaProducer<byte[], byte[]> producer = producer("none")) {
                assertThat(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("orders", 4, null,
                        "to a new partition".getBytes(StandardCharsets.UTF_8))).get().offset()).isZero();
            }
            assertThatThrownBy(() -> admin.createPartitions(Map.of("orders",
                    org.apache.kafka.clients.admin.NewPartitions.increaseTo(2))).all().get())
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidPartitionsException.class);
            admin.deleteTopics(List.of("orders")).all().get();
            assertThat(admin.listTopics().names().get()).doesNotContain("orders");
        }
    }

    @Test
    void anIdempotentKafkaProducerWritesWhatAKafkaConsumerReads() throws Exception {
        try (Admin admin = Admin.create(common())) {
            admin.createTopics(List.of(new NewTopic("events", 2, (short) 1))).all().get();
        }
        for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> producer = producer(codec)) {
                for (int i = 0; i < 50; i++) {
                    org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> record =
                            new org.apache.kafka.clients.producer.ProducerRecord<>("events", 1, 1_700_000_000_000L + i,
                                    (codec + "-k" + i).getBytes(StandardCharsets.UTF_8),
                                    (codec + "-v" + i).getBytes(StandardCharsets.UTF_8),
                                    List.of(new RecordHeader("h", ("x" + i).getBytes(StandardCharsets.UTF_8))));
                    sent.add(producer.send(record));
                }
            }
            for (Future<RecordMetadata> f : sent) {
                assertThat(f.get().hasOffset()).isTrue();
            }
        }
        List<ConsumerRecord<byte[], byte[]>> read = readAll(new TopicPartition("events", 1), 250);
        assertThat(read).hasSize(250);
        for (int i = 0; i < read.size(); i++) {
            ConsumerRecord<byte[], byte[]> r = read.get(i);
            assertThat(r.offset()).isEqualTo(i);
            assertThat(text(r.value())).endsWith("-v" + (i % 50));
            assertThat(text(r.key())).endsWith("-k" + (i % 50));
            assertThat(r.timestamp()).isEqualTo(1_700_000_000_000L + i % 50);
            assertThat(text(r.headers().lastHeader("h").value())).isEqualTo("x" + (i % 50));
        }
    }

    @Test
    void recordsProducedThroughTheApiAreReadByKafkaClientsAtTheSameOffsets() throws Exception {
        try (io.tributary.client.Admin admin = io.tributary.client.Admin.create(List.of("127.0.0.1:" + node.clientPort()))) {
            admin.createTopics(List.of(io.tributary.client.NewTopic.of("mixed", 1, 1)));
        }
        try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers("127.0.0.1:" + node.clientPort()).build())) {
            for (int i = 0; i < 10; i++) {
                producer.send(ProducerRecord.of("mixed", ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("grpc-" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        try (KafkaProducer<byte[], byte[]> producer = producer("none")) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("mixed", "kafka".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        List<ConsumerRecord<byte[], byte[]>> read = readAll(new TopicPartition("mixed", 0), 11);
        assertThat(read).extracting(r -> text(r.value())).containsExactly("grpc-0", "grpc-1", "grpc-2", "grpc-3",
                "grpc-4", "grpc-5", "grpc-6", "grpc-7", "grpc-8", "grpc-9", "kafka");
        assertThat(read).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            TopicPartition tp = new TopicPartition("mixed", 0);
            assertThat(consumer.endOffsets(List.of(tp))).isEqualTo(Map.of(tp, 11L));
            assertThat(consumer.beginningOffsets(List.of(tp))).isEqualTo(Map.of(tp, 0L));
        }
    }

    /** Both of Kafka's group protocols: KIP-848's consumer protocol, and the classic one (JoinGroup/SyncGroup). */
    @ParameterizedTest
    @ValueSource(strings = {"consumer", "classic"})
    void kafkaConsumersInAGroupSplitThePartitionsAndCommit(String protocol) throws Exception {
        try (Admin admin = Admin.create(common())) {
            admin.createTopics(List.of(new NewTopic("jobs", 4, (short) 1))).all().get();
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<String> duplicates = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> a = groupMember("workers", protocol);
             KafkaConsumer<byte[], byte[]> b = groupMember("workers", protocol)) {
            a.subscribe(List.of("jobs"));
            b.subscribe(List.of("jobs"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ((a.assignment().size() != 2 || b.assignment().size() != 2) && System.nanoTime() < deadline) {
                a.poll(Duration.ofMillis(100));
                b.poll(Duration.ofMillis(100));
            }
            assertThat(a.assignment()).hasSize(2).doesNotContainAnyElementsOf(b.assignment());
            // the group is settled: no epoch moves under the commits from here on (Kafka's consumer
            // fails a commitSync that races a rebalance with CommitFailedException, as against Kafka)
            try (KafkaProducer<byte[], byte[]> producer = producer("none")) {
                for (int i = 0; i < 200; i++) {
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("jobs", i % 4, null,
                            ("job-" + i).getBytes(StandardCharsets.UTF_8)));
                }
            }
            while (seen.size() < 200 && System.nanoTime() < deadline) {
                for (KafkaConsumer<byte[], byte[]> c : List.of(a, b)) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                        if (!seen.add(text(r.value()))) {
                            duplicates.add(text(r.value()));
                        }
                    }
                    c.commitSync();
                }
            }
            assertThat(seen).hasSize(200);
            assertThat(duplicates).as("each record read once").isEmpty();
            try (Admin admin = Admin.create(common())) {
                org.apache.kafka.clients.admin.ConsumerGroupDescription group =
                        admin.describeConsumerGroups(List.of("workers")).all().get().get("workers");
                assertThat(group.members()).hasSize(2).allSatisfy(m -> assertThat(m.host()).isEqualTo("/127.0.0.1"));
                assertThat(group.members()).flatExtracting(m -> m.assignment().topicPartitions())
                        .containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(a.assignment().stream(),
                                b.assignment().stream()).toList());
                assertThat(group.groupState()).isEqualTo(org.apache.kafka.common.GroupState.STABLE);
            }
        }
        try (Admin admin = Admin.create(common())) {
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets("workers").partitionsToOffsetAndMetadata().get();
            assertThat(committed.values()).extracting(org.apache.kafka.clients.consumer.OffsetAndMetadata::offset)
                    .containsOnly(50L);
            assertThat(admin.listGroups().all().get()).filteredOn(l -> l.groupId().equals("workers"))
                    .extracting(l -> l.type().orElseThrow().toString().toLowerCase(java.util.Locale.ROOT))
                    .containsExactly(protocol);
            admin.deleteConsumerGroups(List.of("workers")).all().get();
            assertThat(admin.listConsumerGroupOffsets("workers").partitionsToOffsetAndMetadata().get()).isEmpty();
        }
    }

    @Test
    void aKafkaConsumerOutsideAGroupCommitsAndReadsItsOffsets() throws Exception {
        try (Admin admin = Admin.create(common())) {
            admin.createTopics(List.of(new NewTopic("ledger", 1, (short) 1))).all().get();
        }
        TopicPartition tp = new TopicPartition("ledger", 0);
        Properties p = common();
        p.put("group.id", "auditors");
        p.put("enable.auto.commit", "false");
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(p)) {
            consumer.assign(List.of(tp));
            consumer.commitSync(Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(7, "checkpoint")));
            org.apache.kafka.clients.consumer.OffsetAndMetadata committed = consumer.committed(java.util.Set.of(tp)).get(tp);
            assertThat(committed.offset()).isEqualTo(7);
            assertThat(committed.metadata()).isEqualTo("checkpoint");
        }
        try (Admin admin = Admin.create(common())) {
            admin.deleteConsumerGroupOffsets("auditors", java.util.Set.of(tp)).all().get();
            assertThat(admin.listConsumerGroupOffsets("auditors").partitionsToOffsetAndMetadata().get().get(tp))
                    .as("OffsetDelete removed it").isNull();
        }
    }

    @Test
    void adminDescribesAndAltersTopicConfigsAndDeletesRecords() throws Exception {
        org.apache.kafka.common.config.ConfigResource topic =
                new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "audit");
        try (Admin admin = Admin.create(common())) {
            admin.createTopics(List.of(new NewTopic("audit", 1, (short) 1).configs(Map.of("retention.ms", "3600000")))).all().get();
            org.apache.kafka.clients.admin.Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
            assertThat(config.get("retention.ms").value()).isEqualTo("3600000");
            assertThat(config.get("retention.ms").source())
                    .isEqualTo(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("delete");
            assertThat(config.get("cleanup.policy").source())
                    .isEqualTo(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DEFAULT_CONFIG);

            admin.incrementalAlterConfigs(Map.of(topic, List.of(
                    new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(
                            "cleanup.policy", "compact"), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET),
                    new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(
                            "retention.ms", ""), org.apache.kafka.clients.admin.AlterConfigOp.OpType.DELETE)))).all().get();
            config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(config.get("retention.ms").source())
                    .isEqualTo(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DEFAULT_CONFIG);
            assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(topic, List.of(
                    new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(
                            "min.insync.replicas", "5"), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get())
                    .as("min.insync.replicas above the replication factor").isInstanceOf(ExecutionException.class);

            try (KafkaProducer<byte[], byte[]> producer = producer("none")) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("audit", ("k" + i).getBytes(StandardCharsets.UTF_8),
                            ("v" + i).getBytes(StandardCharsets.UTF_8)));
                }
            }
            TopicPartition tp = new TopicPartition("audit", 0);
            long low = admin.deleteRecords(Map.of(tp, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(4)))
                    .all().thenApply(v -> 4L).get();
            assertThat(low).isEqualTo(4L);
            try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
                assertThat(consumer.beginningOffsets(List.of(tp))).isEqualTo(Map.of(tp, 4L));
            }
        }
    }

    @Test
    void aProducersFirstSendCreatesAnUnknownTopicAsKafkaDoes() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer("none")) {
            RecordMetadata sent = producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("fresh",
                    "first".getBytes(StandardCharsets.UTF_8))).get();
            assertThat(sent.offset()).isZero();
        }
        try (Admin admin = Admin.create(common())) {
            TopicDescription fresh = admin.describeTopics(List.of("fresh")).allTopicNames().get().get("fresh");
            assertThat(fresh.partitions()).hasSize(1);
            admin.createTopics(List.of(new NewTopic("defaults", java.util.Optional.empty(), java.util.Optional.empty())))
                    .all().get();
            assertThat(admin.describeTopics(List.of("defaults")).allTopicNames().get().get("defaults").partitions())
                    .as("num.partitions").hasSize(1);
        }
    }
}
