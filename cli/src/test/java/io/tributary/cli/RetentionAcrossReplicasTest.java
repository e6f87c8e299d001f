package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.cli.local.LocalProcessCluster;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.PartitionDescription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 on real processes (3 nodes, RF=3): retention by time and a DeleteRecords move the log
 * start on every replica, delete the segment files below it, survive a leader failover, and a
 * replica that was down while the leader deleted past its log end starts its log again at the
 * leader's start and rejoins the ISR.
 */
class RetentionAcrossReplicasTest {
    private static final String TOPIC = "aging";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path root;
    private LocalProcessCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = LocalProcessCluster.create(root, 3, List.of("log.retention.check.interval.ms=200"));
        cluster.startAll();
    }

    @AfterEach
    void stop() throws InterruptedException {
        cluster.close();
    }

    private static void produce(List<String> bootstrap, int count, long timestamp) {
        try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).acks(-1).build())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord(TOPIC, 0, timestamp, null,
                        ("r" + i).getBytes(StandardCharsets.UTF_8), List.of()));
            }
            producer.flush();
        }
    }

    private static PartitionDescription describe(Admin admin) {
        return admin.describeTopics(List.of(TOPIC)).get(0).getPartitions(0);
    }

    /** Base offsets of the partition's segment files on node {@code id}. */
    private List<Long> segmentBases(int id) throws IOException {
        try (Stream<Path> files = Files.list(cluster.node(id).dataDir().resolve("logs").resolve(TOPIC + "-0"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .map(n -> Long.parseLong(n.substring(0, 20))).sorted().toList();
        }
    }

    @Test
    void expiredSegmentsAndATrimmedPrefixGoFromEveryReplica() throws Exception {
        List<String> all = List.of(cluster.bootstrap().split(","));
        try (Admin admin = Admin.create(all, Duration.ofSeconds(20))) {
            admin.createTopic(new NewTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2", "segment.bytes", "1024",
                    "retention.ms", "3600000")));
            long dayAgo = System.currentTimeMillis() - 86_400_000L;
            produce(all, 200, dayAgo);
            produce(all, 100, System.currentTimeMillis());

            // retention deletes the day-old records' segments (not the one the first recent records share)
            await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .until(() -> admin.listOffsets(TP, Admin.EARLIEST) > 150);
            long retained = admin.listOffsets(TP, Admin.EARLIEST);
            assertThat(retained).isLessThanOrEqualTo(200);
            for (int id = 1; id <= 3; id++) {
                int node = id;
                await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                        .until(() -> segmentBases(node).get(0) > 150);
            }

            // a follower is down while the leader deletes past its log end
            PartitionDescription before = describe(admin);
            int follower = before.getReplicasList().stream().filter(r -> r != before.getLeaderId()).findFirst().orElseThrow();
            cluster.kill9(follower);
            List<String> others = cluster.bootstrapExcept(follower);
            produce(others, 100, System.currentTimeMillis());
            assertThat(admin.deleteRecords(TP, 380)).isEqualTo(380);
            assertThat(admin.listOffsets(TP, Admin.EARLIEST)).isEqualTo(380);

            cluster.start(follower);
            await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> describe(admin).getIsrCount() == 3);
            for (int id = 1; id <= 3; id++) {
                int node = id;
                await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
                    List<Long> bases = segmentBases(node);
                    assertThat(bases.size() == 1 || bases.get(1) > 380)
                            .as("node %d keeps no segment wholly below the start: %s", node, bases).isTrue();
                    assertThat(bases.get(0)).as("node %d: %s", node, bases).isGreaterThan(retained - 1);
                });
            }
            // its old log (offsets below 300) is gone; its new one starts at 380 or at the batch holding 380
            assertThat(segmentBases(follower).get(0)).as("the restarted replica's log starts again near the leader's start")
                    .isBetween(300L, 380L);

            // the start survives the leader's failover: the new leader starts there too
            int leader = describe(admin).getLeaderId();
            cluster.kill9(leader);
            await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> describe(admin).getLeaderId() != leader && describe(admin).getLeaderId() > 0);
            assertThat(admin.listOffsets(TP, Admin.EARLIEST)).isEqualTo(380);
            await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> admin.listOffsets(TP, Admin.LATEST) == 400);
        }
    }
}
