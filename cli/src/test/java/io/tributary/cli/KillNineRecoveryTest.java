package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.cli.local.LocalProcessCluster;
import io.tributary.client.Admin;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.proto.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node runs as its own process and is killed with SIGKILL in the middle of a produce. After a
 * restart every acknowledged record is readable at its acknowledged offset, and no offset is reused.
 */
class KillNineRecoveryTest {
    private static final String TOPIC = "crash";
    private static final int PARTITIONS = 3;
    private static final int ACKED_BEFORE_KILL = 20_000;

    @TempDir
    Path tempDir;

    @Test
    void everyAcknowledgedRecordSurvivesSigkillAndNoOffsetIsReused() throws Exception {
        Map<String, Long> ackedOffsets = new ConcurrentHashMap<>();     // value -> offset
        Map<String, Integer> ackedPartitions = new ConcurrentHashMap<>(); // value -> partition
        try (LocalProcessCluster node = LocalProcessCluster.create(tempDir, 1, List.of())) {
            node.startAll();
            String bootstrap = node.node(1).bootstrap();
            try (Admin admin = Admin.create(List.of(bootstrap))) {
                assertThat(admin.createTopic(new NewTopic(TOPIC, PARTITIONS, 1, Map.of())).isSuccess()).isTrue();
            }
            CountDownLatch enoughAcked = new CountDownLatch(ACKED_BEFORE_KILL);
            java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
            Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).acks(-1)
                    .lingerMs(1).deliveryTimeoutMs(5_000).requestTimeoutMs(3_000).build());
            Thread sender = new Thread(() -> {
                for (int i = 0; !Thread.currentThread().isInterrupted() && i < 10_000_000; i++) {
                    String value = "v" + i;
                    sent.incrementAndGet();
                    try {
                        producer.send(ProducerRecord.of(TOPIC, ("k" + i).getBytes(StandardCharsets.UTF_8),
                                value.getBytes(StandardCharsets.UTF_8))).whenComplete((metadata, error) -> {
                            if (error == null) {
                                ackedOffsets.put(value, metadata.offset());
                                ackedPartitions.put(value, metadata.partition());
                                enoughAcked.countDown();
                            }
                        });
                    } catch (RuntimeException e) {
                        return; // the producer gave up after the node died
                    }
                }
            }, "sender");
            sender.start();
            assertThat(enoughAcked.await(120, TimeUnit.SECONDS)).as("acks before the kill").isTrue();
            node.kill9(1); // sends still in flight: their outcome is unknown
            long sentAtKill = sent.get();
            long ackedAtKill = ackedOffsets.size();
            sender.interrupt();
            sender.join(TimeUnit.SECONDS.toMillis(30));
            producer.close();

            int ackedCount = ackedOffsets.size();
            node.start(1);
            Map<TopicPartition, List<ConsumerRecord>> log = readEverything(bootstrap);
            Set<String> seenValues = new HashSet<>();
            for (Map.Entry<TopicPartition, List<ConsumerRecord>> partition : log.entrySet()) {
                List<ConsumerRecord> records = partition.getValue();
                for (int i = 0; i < records.size(); i++) {
                    assertThat(records.get(i).offset()).as("dense offsets in %s", partition.getKey()).isEqualTo(i);
                    String value = new String(records.get(i).value(), StandardCharsets.UTF_8);
                    assertThat(seenValues.add(value)).as("value %s appears once", value).isTrue();
                }
            }
            for (Map.Entry<String, Long> acked : ackedOffsets.entrySet()) {
                TopicPartition tp = new TopicPartition(TOPIC, ackedPartitions.get(acked.getKey()));
                List<ConsumerRecord> records = log.get(tp);
                assertThat(records.size()).as("log of %s holds acked offset %d", tp, acked.getValue())
                        .isGreaterThan(acked.getValue().intValue());
                assertThat(new String(records.get(acked.getValue().intValue()).value(), StandardCharsets.UTF_8))
                        .as("acked record at %s@%d", tp, acked.getValue()).isEqualTo(acked.getKey());
            }
            assertThat(ackedCount).isGreaterThanOrEqualTo(ACKED_BEFORE_KILL);
            assertThat(sentAtKill).as("the kill came in the middle of the produce").isGreaterThan(ackedAtKill);

            try (Producer after = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).build())) {
                for (int p = 0; p < PARTITIONS; p++) {
                    long offset = after.send(new ProducerRecord(TOPIC, p, null, null, "after".getBytes(), List.of()))
                            .get(30, TimeUnit.SECONDS).offset();
                    assertThat(offset).as("first offset after restart in partition %d", p)
                            .isEqualTo(log.get(new TopicPartition(TOPIC, p)).size());
                }
            }
        }
    }

    private static Map<TopicPartition, List<ConsumerRecord>> readEverything(String bootstrap) {
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
        Map<TopicPartition, Long> ends = new HashMap<>();
        try (Admin admin = Admin.create(List.of(bootstrap))) {
            for (TopicPartition tp : partitions) {
                ends.put(tp, admin.listOffsets(tp, -1L));
            }
        }
        Map<TopicPartition, List<ConsumerRecord>> log = new HashMap<>();
        partitions.forEach(tp -> log.put(tp, new java.util.ArrayList<>()));
        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).build())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord record : consumer.poll(Duration.ofMillis(500))) {
                    log.get(new TopicPartition(record.topic(), record.partition())).add(record);
                }
            }
        }
        for (TopicPartition tp : partitions) {
            assertThat(log.get(tp)).as("read all of %s", tp).hasSize(ends.get(tp).intValue());
        }
        return log;
    }
}
