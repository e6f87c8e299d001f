package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.cli.local.LocalProcessCluster;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.client.TributaryException;
import io.tributary.proto.v1.BrokerState;
import io.tributary.proto.v1.DescribeClusterResponse;
import io.tributary.proto.v1.PartitionDescription;
import io.tributary.proto.v1.TopicDescription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three combined nodes as separate JVMs on 127.0.0.1-3: the metadata quorum elects a new active
 * controller, fences dead brokers and moves their leaderships, and a minority cannot change
 * metadata.
 */
class ClusterFailoverTest {
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

    private static Admin admin(List<String> bootstrap) {
        return Admin.create(bootstrap, Duration.ofSeconds(5));
    }

    @Test
    void killingTheActiveControllerElectsANewOneAndMetadataSurvives() throws Exception {
        int controller;
        try (Admin admin = admin(List.of(cluster.bootstrap().split(",")))) {
            admin.createTopic(new NewTopic("before", 3, 3, Map.of()));
            controller = admin.describeCluster().getControllerId();
        }
        assertThat(controller).isBetween(1, 3);
        cluster.kill9(controller);

        List<String> survivors = cluster.bootstrapExcept(controller);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            try (Admin admin = admin(survivors)) {
                return admin.createTopics(List.of(new NewTopic("after", 1, 2, Map.of()))).get(0).isSuccess();
            }
        });
        try (Admin admin = admin(survivors)) {
            DescribeClusterResponse described = admin.describeCluster();
            assertThat(described.getControllerId()).isNotEqualTo(controller).isBetween(1, 3);
            assertThat(admin.listTopics()).contains("before", "after");
        }

        cluster.start(controller);
        try (Admin admin = admin(List.of(cluster.node(controller).bootstrap()))) {
            assertThat(admin.listTopics()).as("the restarted voter caught up").contains("before", "after");
        }
    }

    @Test
    void killingABrokerMovesItsLeadershipsAndItRejoinsUnfenced() throws Exception {
        int leader;
        try (Admin admin = admin(List.of(cluster.bootstrap().split(",")))) {
            admin.createTopic(new NewTopic("moves", 6, 3, Map.of()));
            leader = leaderOf(admin, "moves", 0);
        }
        cluster.kill9(leader);
        List<String> survivors = cluster.bootstrapExcept(leader);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            try (Admin admin = admin(survivors)) {
                TopicDescription topic = admin.describeTopics(List.of("moves")).get(0);
                for (PartitionDescription partition : topic.getPartitionsList()) {
                    assertThat(partition.getLeaderId()).as("leader of partition %d", partition.getPartition())
                            .isNotEqualTo(leader).isPositive();
                    assertThat(partition.getIsrList()).contains(partition.getLeaderId()).doesNotContain(leader);
                    assertThat(partition.getLeaderEpoch()).isPositive();
                }
                assertThat(broker(admin.describeCluster(), leader).getFenced()).isTrue();
            }
        });

        cluster.start(leader);
        try (Admin admin = admin(survivors)) {
            BrokerState back = broker(admin.describeCluster(), leader);
            assertThat(back.getFenced()).as("broker %d unfenced after restart", leader).isFalse();
        }
    }

    @Test
    void aMinorityCannotChangeMetadata() throws Exception {
        int lonely = 1;
        long versionBefore;
        try (Admin admin = admin(List.of(cluster.node(lonely).bootstrap()))) {
            versionBefore = admin.describeCluster().getMetadataVersion();
        }
        cluster.pause(2);
        cluster.pause(3);
        try (Admin admin = Admin.create(List.of(cluster.node(lonely).bootstrap()), Duration.ofSeconds(3))) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("minority", 1, 1, Map.of())))
                    .get(0).orThrow()).isInstanceOf(TributaryException.class);
            assertThat(admin.listTopics()).doesNotContain("minority");
            assertThat(admin.describeCluster().getMetadataVersion()).as("no metadata change on the minority side")
                    .isEqualTo(versionBefore);
        } finally {
            cluster.resume(2);
            cluster.resume(3);
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            try (Admin admin = admin(List.of(cluster.bootstrap().split(",")))) {
                return admin.createTopics(List.of(new NewTopic("healed", 1, 3, Map.of()))).get(0).isSuccess();
            }
        });
    }

    private static int leaderOf(Admin admin, String topic, int partition) {
        return admin.describeTopics(List.of(topic)).get(0).getPartitionsList().stream()
                .filter(p -> p.getPartition() == partition).findFirst().orElseThrow().getLeaderId();
    }

    private static BrokerState broker(DescribeClusterResponse cluster, int id) {
        return cluster.getBrokersList().stream().filter(b -> b.getNodeId() == id).findFirst().orElseThrow();
    }
}
