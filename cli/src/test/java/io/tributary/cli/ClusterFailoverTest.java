package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.cli.local.LocalProcessCluster;
import io.tributary.proto.v1.CreateTopicsRequest;
import io.tributary.proto.v1.CreateTopicsResponse;
import io.tributary.proto.v1.DescribeClusterRequest;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.MetadataRequest;
import io.tributary.proto.v1.TributaryGrpc;
import java.util.concurrent.TimeUnit;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.client.TopicResult;
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
        List<Integer> ledPartitions;
        try (Admin admin = admin(List.of(cluster.bootstrap().split(",")))) {
            admin.createTopic(new NewTopic("moves", 6, 3, Map.of()));
            leader = leaderOf(admin, "moves", 0);
            ledPartitions = admin.describeTopics(List.of("moves")).get(0).getPartitionsList().stream()
                    .filter(p -> p.getLeaderId() == leader).map(PartitionDescription::getPartition).toList();
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
                    if (ledPartitions.contains(partition.getPartition())) {
                        assertThat(partition.getLeaderEpoch()).as("a new leader bumps the epoch").isPositive();
                    }
                }
                assertThat(broker(admin.describeCluster(), leader).getFenced()).isTrue();
            }
        });

        // While it starts, the node answers data requests only once registered and unfenced, and
        // then with a retriable error: a producer asking it for an id must not abort (issue 9, hole 6).
        cluster.launch(leader);
        java.util.Set<ErrorCode> seen = java.util.EnumSet.noneOf(ErrorCode.class);
        ManagedChannel channel = NettyChannelBuilder.forAddress(cluster.node(leader).host(),
                cluster.node(leader).clientPort()).usePlaintext().build();
        try {
            TributaryGrpc.TributaryBlockingStub stub = TributaryGrpc.newBlockingStub(channel);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> {
                try {
                    ErrorCode code = stub.withDeadlineAfter(2, TimeUnit.SECONDS)
                            .initProducerId(io.tributary.proto.v1.InitProducerIdRequest.getDefaultInstance())
                            .getErrorCode();
                    if (code == ErrorCode.NONE) {
                        try (Admin admin = admin(survivors)) {
                            assertThat(broker(admin.describeCluster(), leader).getFenced())
                                    .as("node %d served a producer id while fenced", leader).isFalse();
                        }
                    }
                    seen.add(code);
                } catch (io.grpc.StatusRuntimeException notListeningYet) {
                    assertThat(cluster.isAlive(leader)).as("node %d still starting", leader).isTrue();
                }
                return seen.contains(ErrorCode.NONE);
            });
        } finally {
            channel.shutdownNow();
        }
        assertThat(seen).as("InitProducerId answers while node %d started", leader)
                .isSubsetOf(ErrorCode.NONE, ErrorCode.BROKER_NOT_AVAILABLE);
        cluster.awaitReady(leader);
        try (Admin admin = admin(survivors)) {
            BrokerState back = broker(admin.describeCluster(), leader);
            assertThat(back.getFenced()).as("broker %d unfenced after restart", leader).isFalse();
        }
    }

    @Test
    void aCleanStopMovesLeadershipAwayBeforeTheNodeExits() throws Exception {
        int leader;
        try (Admin admin = admin(List.of(cluster.bootstrap().split(",")))) {
            admin.createTopic(new NewTopic("handover", 6, 3, Map.of()));
            leader = leaderOf(admin, "handover", 0);
        }
        cluster.stop(leader); // SIGTERM: controlled shutdown, then exit
        List<String> survivors = cluster.bootstrapExcept(leader);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            try (Admin admin = admin(survivors)) {
                BrokerState stopped = broker(admin.describeCluster(), leader);
                assertThat(stopped.getInControlledShutdown()).as("stopped through controlled shutdown, not a lapsed lease")
                        .isTrue();
                assertThat(stopped.getLeaderships()).isZero();
                for (PartitionDescription partition : admin.describeTopics(List.of("handover")).get(0).getPartitionsList()) {
                    assertThat(partition.getLeaderId()).isNotEqualTo(leader).isPositive();
                }
            }
        });
    }

    @Test
    void aMinorityCannotChangeMetadata() throws Exception {
        int lonely = 1;
        ManagedChannel channel = NettyChannelBuilder.forAddress(cluster.node(lonely).host(),
                cluster.node(lonely).clientPort()).usePlaintext().build();
        // Only node 1 is asked: a client that learned the other brokers could wander off to them.
        TributaryGrpc.TributaryBlockingStub onlyLonely = TributaryGrpc.newBlockingStub(channel);
        long versionBefore = onlyLonely.describeCluster(DescribeClusterRequest.getDefaultInstance()).getMetadataVersion();
        cluster.pause(2);
        cluster.pause(3);
        try {
            CreateTopicsResponse created = onlyLonely.withDeadlineAfter(10, TimeUnit.SECONDS).createTopics(
                    CreateTopicsRequest.newBuilder().setTimeoutMs(3000).addTopics(io.tributary.proto.v1.NewTopic
                            .newBuilder().setName("minority").setNumPartitions(1).setReplicationFactor(1)).build());
            assertThat(created.getTopics(0).getErrorCode()).as("create on the minority side").isNotEqualTo(ErrorCode.NONE);
            assertThat(onlyLonely.metadata(MetadataRequest.getDefaultInstance()).getTopicsList())
                    .extracting(t -> t.getName()).doesNotContain("minority");
            assertThat(onlyLonely.describeCluster(DescribeClusterRequest.getDefaultInstance()).getMetadataVersion())
                    .as("no metadata change on the minority side").isEqualTo(versionBefore);
        } finally {
            channel.shutdownNow();
            cluster.resume(2);
            cluster.resume(3);
        }
        // Creating is indefinite while the quorum heals: a retry may find the topic already made.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            try (Admin admin = admin(List.of(cluster.bootstrap().split(",")))) {
                TopicResult healed = admin.createTopics(List.of(new NewTopic("healed", 1, 3, Map.of()))).get(0);
                return healed.isSuccess() || healed.errorCode() == ErrorCode.TOPIC_ALREADY_EXISTS;
            }
        });
        // Node 1 may have been fenced on the way (its heartbeats went unanswered); it rejoins the ISR.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            try (Admin admin = admin(List.of(cluster.bootstrap().split(",")))) {
                assertThat(admin.describeTopics(List.of("healed")).get(0).getPartitions(0).getIsrList()).hasSize(3);
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
