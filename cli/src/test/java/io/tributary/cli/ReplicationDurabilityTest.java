package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.tributary.proto.v1.PartitionDescription;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication promise on real processes: 3 nodes on 127.0.0.1-3, RF=3, min.insync.replicas=2,
 * acks=all with the idempotent producer. A partition leader is killed (-9) during a steady produce
 * and restarted (it must rejoin the ISR), then all three nodes are killed at once and restarted.
 * Every acknowledged record must be readable afterwards, in order and exactly once.
 */
class ReplicationDurabilityTest {
    private static final String TOPIC = "durable";
    private static final int PARTITIONS = 3;
    private static final Duration PROGRESS_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path root;
    private LocalProcessCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = LocalProcessCluster.create(root, 3, List.of());
        cluster.startAll();
    }

    @AfterEach
    void stop() throws InterruptedException {
        cluster.close();
    }

    /** Sends "0", "1", ... round-robin over the partitions, at most 500 unacknowledged, and records what was acknowledged. */
    private static final class SteadyProducer implements AutoCloseable {
        final Map<Integer, ConcurrentLinkedQueue<Long>> acked = new ConcurrentHashMap<>();
        final AtomicLong ackedCount = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Semaphore inFlight = new Semaphore(500);
        private final Producer producer;
        private final Thread thread;

        SteadyProducer(List<String> bootstrap) {
            producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).acks(-1).lingerMs(2)
                    .deliveryTimeoutMs(120_000).build());
            for (int p = 0; p < PARTITIONS; p++) {
                acked.put(p, new ConcurrentLinkedQueue<>());
            }
            thread = new Thread(this::run, "steady-producer");
            thread.start();
        }

        private void run() {
            for (long i = 0; running.get(); i++) {
                inFlight.acquireUninterruptibly();
                int partition = (int) (i % PARTITIONS);
                long value = i;
                producer.send(ProducerRecord.of(TOPIC, partition, null, Long.toString(value).getBytes(StandardCharsets.UTF_8)))
                        .whenComplete((metadata, error) -> {
                            if (error == null) {
                                acked.get(partition).add(value);
                                ackedCount.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                            }
                            inFlight.release();
                        });
            }
        }

        void awaitMoreAcked(long more) {
            long target = ackedCount.get() + more;
            await().atMost(PROGRESS_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> ackedCount.get() >= target);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
            producer.flush();
            producer.close();
        }
    }

    @Test
    void acknowledgedRecordsSurviveALeaderKillAndAWholeClusterCrash() throws Exception {
        List<String> all = List.of(cluster.bootstrap().split(","));
        try (Admin admin = Admin.create(all, Duration.ofSeconds(10))) {
            admin.createTopic(new NewTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2")));
        }
        SteadyProducer producer = new SteadyProducer(all);
        try {
            producer.awaitMoreAcked(3_000);
            int leader = partitionStates(all).get(0).getLeaderId();
            cluster.kill9(leader);
            producer.awaitMoreAcked(3_000); // the remaining two carry on: ISR {2 of 3} >= min.insync.replicas

            cluster.start(leader);
            await().atMost(PROGRESS_TIMEOUT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> partitionStates(all).stream().allMatch(p -> p.getIsrCount() == 3));
            producer.awaitMoreAcked(3_000);
        } finally {
            producer.close();
        }
        assertThat(producer.ackedCount.get()).isGreaterThanOrEqualTo(9_000);

        cluster.kill9All();
        cluster.startAll();

        Map<Integer, List<Long>> read = readEverything(all, producer.acked);
        for (int p = 0; p < PARTITIONS; p++) {
            List<Long> values = read.get(p);
            for (int i = 1; i < values.size(); i++) {
                assertThat(values.get(i)).as("partition %d offset %d: in order, no duplicate", p, i)
                        .isGreaterThan(values.get(i - 1));
            }
            assertThat(values).as("partition %d holds every acknowledged record", p)
                    .containsAll(new ArrayList<>(producer.acked.get(p)));
        }
    }

    private static List<PartitionDescription> partitionStates(List<String> bootstrap) {
        try (Admin admin = Admin.create(bootstrap, Duration.ofSeconds(5))) {
            return TopicSupport.describe(admin, TOPIC).getPartitionsList();
        }
    }

    /** Consumes every partition from the start until each holds every acknowledged value (or times out). */
    private static Map<Integer, List<Long>> readEverything(List<String> bootstrap,
                                                           Map<Integer, ConcurrentLinkedQueue<Long>> acked) {
        Map<Integer, List<Long>> read = new HashMap<>();
        Map<Integer, Long> lastAcked = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            read.put(p, new ArrayList<>());
            lastAcked.put(p, acked.get(p).stream().mapToLong(Long::longValue).max().orElse(-1));
        }
        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).build())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                tps.add(new TopicPartition(TOPIC, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            await().atMost(PROGRESS_TIMEOUT).pollInterval(Duration.ZERO).ignoreExceptions().until(() -> {
                for (ConsumerRecord record : consumer.poll(Duration.ofMillis(200))) {
                    read.get(record.partition()).add(Long.parseLong(new String(record.value(), StandardCharsets.UTF_8)));
                }
                return lastAcked.entrySet().stream().allMatch(e -> read.get(e.getKey()).contains(e.getValue()));
            });
        }
        return read;
    }
}
