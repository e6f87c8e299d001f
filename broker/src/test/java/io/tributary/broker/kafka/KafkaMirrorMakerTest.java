package io.tributary.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.server.BrokerNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MirrorMaker 2, unchanged, between two Tributary clusters through their Kafka listeners: its
 * source and checkpoint connectors, on a Connect worker of the target cluster, copy a topic (as
 * {@code src.orders}, the default replication policy's name) and translate consumer groups'
 * committed offsets into the target cluster, so that the groups could move there.
 */
class KafkaMirrorMakerTest {
    private static final int RECORDS = 20;

    @TempDir
    Path sourceDir;
    @TempDir
    Path targetDir;
    private BrokerNode source;
    private BrokerNode target;
    private ConnectWorker connect;

    @BeforeEach
    void start() throws Exception {
        source = BrokerNode.start(EcosystemNode.config(sourceDir));
        target = BrokerNode.start(EcosystemNode.config(targetDir));
    }

    @AfterEach
    void stop() {
        if (connect != null) {
            connect.close();
        }
        target.close();
        source.close();
    }

    private static String kafka(BrokerNode node) {
        return "127.0.0.1:" + node.kafkaPort();
    }

    private static Properties clientConfig(BrokerNode node) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka(node));
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "20000");
        return p;
    }

    private Map<String, String> mirrorConfig(String connectorClass) {
        Map<String, String> c = new HashMap<>();
        c.put("connector.class", connectorClass);
        c.put("tasks.max", "1");
        c.put("source.cluster.alias", "src");
        c.put("target.cluster.alias", "tgt");
        c.put("source.cluster.bootstrap.servers", kafka(source));
        c.put("target.cluster.bootstrap.servers", kafka(target));
        c.put("replication.factor", "1");
        c.put("offset-syncs.topic.replication.factor", "1");
        c.put("checkpoints.topic.replication.factor", "1");
        c.put("sync.topic.acls.enabled", "false");
        c.put("offset.lag.max", "0");
        return c;
    }

    @Test
    void mirrorMakerCopiesATopicAndTranslatesAGroupsOffsets() throws Exception {
        try (Admin admin = Admin.create(clientConfig(source))) {
            admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get();
        }
        Properties producerConfig = clientConfig(source);
        producerConfig.put("key.serializer", StringSerializer.class.getName());
        producerConfig.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>("orders", "order-" + i, "amount-" + i)).get();
            }
        }
        TopicPartition orders = new TopicPartition("orders", 0);
        try (Admin admin = Admin.create(clientConfig(source))) {
            // groups on the source cluster: one caught up, one that has read the first 15 orders
            admin.alterConsumerGroupOffsets("billing", Map.of(orders, new OffsetAndMetadata(RECORDS))).all().get();
            admin.alterConsumerGroupOffsets("audit", Map.of(orders, new OffsetAndMetadata(15))).all().get();
        }

        connect = new ConnectWorker(kafka(target), "mirror-workers", "org.apache.kafka.connect.converters.ByteArrayConverter");
        connect.createConnector("mirror-source", mirrorConfig("org.apache.kafka.connect.mirror.MirrorSourceConnector"));
        Map<String, String> checkpoints = mirrorConfig("org.apache.kafka.connect.mirror.MirrorCheckpointConnector");
        checkpoints.put("groups", "billing,audit");
        checkpoints.put("emit.checkpoints.interval.seconds", "1");
        checkpoints.put("sync.group.offsets.enabled", "true");
        checkpoints.put("sync.group.offsets.interval.seconds", "1");
        connect.createConnector("mirror-checkpoints", checkpoints);

        TopicPartition mirrored = new TopicPartition("src.orders", 0);
        List<String> copied = ConnectWorker.await("the copy of orders on the target", () -> readAll(mirrored),
                r -> r.size() >= RECORDS);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            expected.add("order-" + i + "=amount-" + i);
        }
        assertThat(copied).containsExactlyElementsOf(expected);

        try (Admin admin = Admin.create(clientConfig(target))) {
            long caughtUp = ConnectWorker.await("billing's offset translated on the target",
                    () -> committed(admin, "billing", mirrored),
                    offset -> offset >= RECORDS);
            assertThat(caughtUp).as("a caught-up group is caught up in the copy").isEqualTo(RECORDS);
            // MirrorMaker translates through the offset syncs it keeps (exponentially spaced behind the
            // newest), rounding down: a group behind the end resumes at or before its position, never after
            long behind = ConnectWorker.await("audit's offset translated on the target",
                    () -> committed(admin, "audit", mirrored),
                    offset -> offset > 0);
            assertThat(behind).isBetween(1L, 15L);
        }
    }

    private static long committed(Admin admin, String group, TopicPartition tp) {
        try {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp);
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            return -1; // not there yet
        }
    }

    private List<String> readAll(TopicPartition tp) {
        Properties p = clientConfig(target);
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            if (consumer.partitionsFor(tp.topic(), Duration.ofSeconds(5)).isEmpty()) {
                return out;
            }
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            for (int empty = 0; empty < 3; ) {
                List<ConsumerRecord<String, String>> batch = new ArrayList<>();
                consumer.poll(Duration.ofMillis(300)).forEach(batch::add);
                batch.forEach(r -> out.add(r.key() + "=" + r.value()));
                empty = batch.isEmpty() ? empty + 1 : 0;
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            return out; // the topic is being created
        }
        return out;
    }
}
