package io.tributary.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.chaos.cluster.ChaosCluster;
import io.tributary.chaos.disk.NodeDisk;
import io.tributary.chaos.net.NetworkLab;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, hole 5: a broker whose disk fails (here: full, every write gets ENOSPC) must not keep
 * leading partitions it can no longer write. It stops as a clean shutdown does, so the controller
 * moves its leaderships first, exits with status 4 saying why, and the partition goes on taking
 * writes on the other replicas. Runs where the chaos harness can (root, namespaces, /dev/fuse).
 */
class DiskFailureTest {
    private static final String TOPIC = "disk";

    @Test
    void aBrokerWhoseDiskFailsStopsLeadingAndExits() throws Exception {
        String unavailable = NetworkLab.unavailableReason() != null ? NetworkLab.unavailableReason()
                : NodeDisk.unavailableReason();
        if (System.getenv("TRIBUTARY_CHAOS_REQUIRED") != null) {
            assertThat(unavailable).as("the chaos harness must run here (.ci/run requires it)").isNull();
        }
        Assumptions.assumeTrue(unavailable == null, () -> "disk failure test skipped: " + unavailable);
        Path root = Path.of("target", "disk-failure").toAbsolutePath();
        deleteRecursively(root);
        try (ChaosCluster cluster = ChaosCluster.create(root, 3, List.of(), true)) {
            cluster.startAll();
            try (Admin admin = Admin.create(cluster.bootstrap(), Duration.ofSeconds(5))) {
                assertThat(admin.createTopic(new NewTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2")))
                        .isSuccess()).isTrue();
            }
            try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(cluster.bootstrap())
                    .requestTimeoutMs(5_000).deliveryTimeoutMs(60_000).build())) {
                send(producer, "before").get(30, TimeUnit.SECONDS);
                int leader = cluster.leaderOf(TOPIC, 0);
                assertThat(leader).isPositive();

                cluster.disk(leader).setFull(true);
                // the next append on the leader fails; the records still get written, by the next leader
                send(producer, "while-full").get(60, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(60)).until(() -> cluster.exitCode(leader).isPresent());
                assertThat(cluster.exitCode(leader)).as("exit status of a storage failure").hasValue(4);
                assertThat(Files.readString(cluster.node(leader).log())).contains("its log directory failed");
                int next = cluster.leaderOf(TOPIC, 0);
                assertThat(next).as("leadership moved off the failed broker").isPositive().isNotEqualTo(leader);
                send(producer, "after").get(30, TimeUnit.SECONDS);

                cluster.disk(leader).setFull(false);
                cluster.restart(leader); // the disk is fixed: it starts again and rejoins
                send(producer, "rejoined").get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static java.util.concurrent.CompletableFuture<io.tributary.client.RecordMetadata> send(Producer producer,
                                                                                                    String value) {
        return producer.send(ProducerRecord.of(TOPIC, null, value.getBytes(StandardCharsets.UTF_8)));
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
