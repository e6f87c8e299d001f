package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.cli.local.LocalProcessCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own clients against a 3-node cluster of separate JVMs, RF=3: an idempotent producer
 * keeps writing while a partition leader is killed with kill -9; every acknowledged record is then
 * read exactly once, in order, by a consumer-protocol group of Kafka consumers; a classic-protocol
 * group splits the partitions.
 */
class KafkaClientsClusterTest {
    private static final String TOPIC = "payments";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 3_000;

    @TempDir
    Path root;
    private LocalProcessCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = LocalProcessCluster.create(root, 3, List.of("default.replication.factor=3",
                "group.consumer.session.timeout.ms=6000", "group.consumer.heartbeat.interval.ms=500"));
        cluster.startAll();
    }

    @AfterEach
    void stop() throws InterruptedException {
        cluster.close();
    }

    private Properties common() {
        Properties p = new Properties();
        p.put("bootstrap.servers", cluster.kafkaBootstrap());
        return p;
    }

    @Test
    void anIdempotentProducerSurvivesALeaderKillAndAGroupReadsEveryRecordOnce() throws Exception {
        int victim;
        try (Admin admin = Admin.create(common())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3))).all().get();
            TopicDescription topic = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
            assertThat(topic.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
            victim = topic.partitions().get(0).leader().id();
        }
        Properties p = common();
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("compression.type", "lz4");
        p.put("delivery.timeout.ms", "120000");
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < RECORDS; i++) {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null,
                        ("r" + i).getBytes(StandardCharsets.UTF_8))));
                if (i == RECORDS / 3) {
                    producer.flush();
                    cluster.kill9(victim); // the leader of partition 0 goes, mid-stream
                }
            }
            producer.flush();
        }
        Map<Integer, List<Long>> offsets = new HashMap<>();
        for (Future<RecordMetadata> f : sent) {
            RecordMetadata m = f.get();
            offsets.computeIfAbsent(m.partition(), k -> new ArrayList<>()).add(m.offset());
        }
        offsets.values().forEach(list -> assertThat(list).as("one offset per record, no duplicate").doesNotHaveDuplicates());

        Properties c = common();
        c.put("key.deserializer", ByteArrayDeserializer.class.getName());
        c.put("value.deserializer", ByteArrayDeserializer.class.getName());
        c.put("group.id", "ledger");
        c.put("group.protocol", "consumer");
        c.put("auto.offset.reset", "earliest");
        Map<Integer, List<Integer>> read = new HashMap<>();
        int total = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (total < RECORDS && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    int n = Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8).substring(1));
                    read.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(n);
                    total++;
                }
            }
            consumer.commitSync();
        }
        assertThat(total).isEqualTo(RECORDS);
        for (int partition = 0; partition < PARTITIONS; partition++) {
            List<Integer> expected = new ArrayList<>();
            for (int i = partition; i < RECORDS; i += PARTITIONS) {
                expected.add(i);
            }
            assertThat(read.get(partition)).as("partition %d: every record once, in order", partition)
                    .containsExactlyElementsOf(expected);
        }
    }

    /** Kafka consumers left at their default group protocol (classic) split the partitions on a 3-node cluster. */
    @Test
    void aClassicGroupOfKafkaConsumersSplitsThePartitionsAndReadsEachRecordOnce() throws Exception {
        try (Admin admin = Admin.create(common())) {
            admin.createTopics(List.of(new NewTopic("audit", PARTITIONS, (short) 3))).all().get();
        }
        Properties c = common();
        c.put("key.deserializer", ByteArrayDeserializer.class.getName());
        c.put("value.deserializer", ByteArrayDeserializer.class.getName());
        c.put("group.id", "auditors");
        c.put("auto.offset.reset", "earliest");
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> a = new KafkaConsumer<>(c); KafkaConsumer<byte[], byte[]> b = new KafkaConsumer<>(c)) {
            a.subscribe(List.of("audit"));
            b.subscribe(List.of("audit"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ((a.assignment().isEmpty() || b.assignment().isEmpty()
                    || a.assignment().size() + b.assignment().size() != PARTITIONS) && System.nanoTime() < deadline) {
                a.poll(Duration.ofMillis(100));
                b.poll(Duration.ofMillis(100));
            }
            assertThat(a.assignment()).isNotEmpty().doesNotContainAnyElementsOf(b.assignment());
            Properties p = common();
            p.put("key.serializer", ByteArraySerializer.class.getName());
            p.put("value.serializer", ByteArraySerializer.class.getName());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
                for (int i = 0; i < 300; i++) {
                    producer.send(new ProducerRecord<>("audit", i % PARTITIONS, null, ("a" + i).getBytes(StandardCharsets.UTF_8)));
                }
            }
            while (read.size() < 300 && System.nanoTime() < deadline) {
                for (KafkaConsumer<byte[], byte[]> consumer : List.of(a, b)) {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> read.add(new String(r.value(), StandardCharsets.UTF_8)));
                    consumer.commitSync();
                }
            }
        }
        assertThat(read).hasSize(300).doesNotHaveDuplicates();
        try (Admin admin = Admin.create(common())) {
            assertThat(admin.listConsumerGroupOffsets("auditors").partitionsToOffsetAndMetadata().get().values())
                    .extracting(org.apache.kafka.clients.consumer.OffsetAndMetadata::offset).containsOnly(100L);
        }
    }
}
