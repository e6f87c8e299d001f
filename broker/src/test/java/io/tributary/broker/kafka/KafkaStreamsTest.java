package io.tributary.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.server.BrokerNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Streams, unchanged, on one node's Kafka listener: a word count whose grouping goes through
 * a repartition topic and whose counts live in a state store backed by a compacted changelog
 * topic, at-least-once. Streams' members join with the classic group protocol and hand out their
 * own assignment (the leader's SyncGroup); it creates its internal topics with CreateTopics and
 * purges the repartition topic with DeleteRecords.
 */
class KafkaStreamsTest {
    private static final String APP = "wordcount";

    @TempDir
    Path dataDir;
    @TempDir
    Path stateDir;
    private BrokerNode node;
    private String kafka;

    @BeforeEach
    void start() throws Exception {
        node = BrokerNode.start(EcosystemNode.config(dataDir));
        kafka = "127.0.0.1:" + node.kafkaPort();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private Properties common() {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "20000");
        return p;
    }

    @Test
    void aWordCountWithAStateStoreCountsEveryWord() throws Exception {
        try (Admin admin = Admin.create(common())) {
            admin.createTopics(List.of(new NewTopic("sentences", 2, (short) 1), new NewTopic("word-counts", 2, (short) 1)))
                    .all().get();
        }
        StreamsBuilder builder = new StreamsBuilder();
        builder.<String, String>stream("sentences")
                .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split("\\W+")))
                .groupBy((key, word) -> word, Grouped.as("by-word"))
                .count(Materialized.as("counts"))
                .toStream()
                .to("word-counts", Produced.with(Serdes.String(), Serdes.Long()));
        Properties config = common();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
        config.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        config.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);

        List<String> sentences = List.of("the quick brown fox", "the lazy dog", "The fox jumps over the dog",
                "a fox is a fox");
        Map<String, Long> expected = new HashMap<>();
        sentences.forEach(s -> Arrays.stream(s.toLowerCase(Locale.ROOT).split("\\W+")).forEach(w -> expected.merge(w, 1L, Long::sum)));

        CountDownLatch running = new CountDownLatch(1);
        try (KafkaStreams streams = new KafkaStreams(builder.build(), config)) {
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING) {
                    running.countDown();
                }
            });
            streams.start();
            assertThat(running.await(60, TimeUnit.SECONDS)).as("the application reaches RUNNING").isTrue();

            Properties producerConfig = common();
            producerConfig.put("key.serializer", StringSerializer.class.getName());
            producerConfig.put("value.serializer", StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
                for (int i = 0; i < sentences.size(); i++) {
                    producer.send(new ProducerRecord<>("sentences", "line-" + i, sentences.get(i))).get();
                }
            }
            assertThat(latestCounts(expected.size())).isEqualTo(expected);
        }

        try (Admin admin = Admin.create(common())) {
            Set<String> topics = admin.listTopics().names().get();
            String changelog = APP + "-counts-changelog";
            assertThat(topics).contains(changelog, APP + "-by-word-repartition");
            Config changelogConfig = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, changelog)))
                    .all().get().values().iterator().next();
            assertThat(changelogConfig.get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(admin.listConsumerGroupOffsets(APP).partitionsToOffsetAndMetadata().get())
                    .as("the application committed its input positions")
                    .containsKeys(new TopicPartition("sentences", 0), new TopicPartition("sentences", 1));
        }
    }

    /** Reads word-counts from the start until every word has its count, keeping each word's latest. */
    private Map<String, Long> latestCounts(int words) {
        Properties p = common();
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", LongDeserializer.class.getName());
        Map<String, Long> latest = new HashMap<>();
        Map<String, Long> previous = Map.of();
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = List.of(new TopicPartition("word-counts", 0), new TopicPartition("word-counts", 1));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // done once every word is there and a poll brought nothing new
            while (System.nanoTime() < deadline && (latest.size() < words || !latest.equals(previous))) {
                previous = Map.copyOf(latest);
                for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(500))) {
                    latest.put(r.key(), r.value());
                }
            }
        }
        return latest;
    }
}
