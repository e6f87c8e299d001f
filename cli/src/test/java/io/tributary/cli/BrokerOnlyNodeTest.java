package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.cli.local.LocalProcessCluster;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.client.RecordMetadata;
import java.util.concurrent.TimeUnit;
import io.tributary.proto.v1.BrokerState;
import io.tributary.proto.v1.DescribeClusterResponse;
import io.tributary.proto.v1.PartitionDescription;
import io.tributary.proto.v1.QuorumVoter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three combined voters and one broker-only node (process.roles=broker) that follows the metadata
 * log as a non-voting Ratis listener: it registers, leads partitions, is fenced when it dies and
 * unfenced when it returns, and never counts as a voter.
 */
class BrokerOnlyNodeTest {
    @TempDir
    Path root;

    @Test
    void aBrokerOnlyNodeFollowsMetadataAndServesWithoutVoting() throws Exception {
        try (LocalProcessCluster cluster = LocalProcessCluster.create(root, 3, 1, List.of())) {
            cluster.startAll();
            List<String> all = List.of(cluster.bootstrap().split(","));
            try (Admin admin = Admin.create(all, Duration.ofSeconds(5))) {
                DescribeClusterResponse described = admin.describeCluster();
                assertThat(described.getVotersList()).extracting(QuorumVoter::getNodeId).containsExactly(1, 2, 3);
                assertThat(broker(described, 4).getFenced()).isFalse();
                admin.createTopic(new NewTopic("wide", 8, 4, Map.of()));
                List<PartitionDescription> partitions = admin.describeTopics(List.of("wide")).get(0).getPartitionsList();
                assertThat(partitions).allSatisfy(p -> assertThat(p.getReplicasList()).contains(4));
                assertThat(partitions).anySatisfy(p -> assertThat(p.getLeaderId()).isEqualTo(4));
            }
            try (Admin onlyTheBroker = Admin.create(List.of(cluster.node(4).bootstrap()), Duration.ofSeconds(5))) {
                assertThat(onlyTheBroker.createTopics(List.of(new NewTopic("via-broker", 1, 3, Map.of()))).get(0)
                        .isSuccess()).as("a broker-only node forwards commands to the quorum").isTrue();
            }

            // Leadership can move only to an in-sync follower: wait until every follower of the new
            // topic is in sync (on a loaded 2-core machine a follower may first drop out and rejoin).
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .untilAsserted(() -> {
                        try (Admin admin = Admin.create(all, Duration.ofSeconds(5))) {
                            assertThat(admin.describeTopics(List.of("wide")).get(0).getPartitionsList())
                                    .allSatisfy(p -> assertThat(p.getIsrList()).hasSize(4));
                        }
                    });
            cluster.kill9(4);
            List<String> voters = cluster.bootstrapExcept(4);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .untilAsserted(() -> {
                        try (Admin admin = Admin.create(voters, Duration.ofSeconds(5))) {
                            assertThat(broker(admin.describeCluster(), 4).getFenced()).isTrue();
                            assertThat(admin.describeTopics(List.of("wide")).get(0).getPartitionsList())
                                    .allSatisfy(p -> assertThat(p.getLeaderId()).isNotEqualTo(4).isPositive());
                        }
                    });
            cluster.start(4);
            try (Admin admin = Admin.create(voters, Duration.ofSeconds(5))) {
                assertThat(broker(admin.describeCluster(), 4).getFenced()).as("unfenced after restart").isFalse();
                assertThat(admin.listTopics()).contains("wide", "via-broker");
            }
        }
    }

    @Test
    void dedicatedControllersAndBrokers() throws Exception {
        // nodes 1-3: controller-only voters; nodes 4-5: broker-only
        try (LocalProcessCluster cluster = LocalProcessCluster.create(root, 3, false, 2, List.of())) {
            cluster.startAll();
            List<String> all = List.of(cluster.bootstrap().split(","));
            int controller;
            try (Admin admin = Admin.create(all, Duration.ofSeconds(5))) {
                DescribeClusterResponse described = admin.describeCluster();
                controller = described.getControllerId();
                assertThat(controller).isBetween(1, 3);
                assertThat(described.getBrokersList()).extracting(BrokerState::getNodeId).containsExactly(4, 5);
                admin.createTopic(new NewTopic("split", 4, 2, Map.of()));
                assertThat(admin.describeTopics(List.of("split")).get(0).getPartitionsList())
                        .allSatisfy(p -> assertThat(p.getReplicasList()).containsExactlyInAnyOrder(4, 5));
            }
            try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(all).build())) {
                RecordMetadata sent = producer.send(ProducerRecord.of("split", "k".getBytes(), "v".getBytes()))
                        .get(30, TimeUnit.SECONDS);
                assertThat(sent.offset()).isZero();
            }

            cluster.kill9(controller);
            List<String> rest = cluster.bootstrapExcept(controller);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .untilAsserted(() -> {
                        try (Admin admin = Admin.create(rest, Duration.ofSeconds(5))) {
                            DescribeClusterResponse described = admin.describeCluster();
                            assertThat(described.getControllerId()).isNotEqualTo(controller).isBetween(1, 3);
                            assertThat(admin.createTopics(List.of(new NewTopic("after", 1, 2, Map.of()))).get(0)
                                    .isSuccess()).isTrue();
                        }
                    });
            try (Admin admin = Admin.create(rest, Duration.ofSeconds(5))) {
                assertThat(admin.describeCluster().getBrokersList())
                        .as("brokers keep their sessions through the new controller (heartbeats travel through Ratis)")
                        .allSatisfy(b -> assertThat(b.getFenced()).isFalse());
            }
        }
    }

    private static BrokerState broker(DescribeClusterResponse cluster, int id) {
        return cluster.getBrokersList().stream().filter(b -> b.getNodeId() == id).findFirst().orElseThrow();
    }
}
