package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.coordinator.OffsetsTopic;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ConsumerGroupHeartbeatResponse;
import io.tributary.proto.v1.Coordinator;
import io.tributary.proto.v1.CreateTopicsRequest;
import io.tributary.proto.v1.DeleteGroupsRequest;
import io.tributary.proto.v1.DescribeGroupsRequest;
import io.tributary.proto.v1.DescribedGroup;
import io.tributary.proto.v1.DescribeTopicsRequest;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.FindCoordinatorRequest;
import io.tributary.proto.v1.ListGroupsRequest;
import io.tributary.proto.v1.NewTopic;
import io.tributary.proto.v1.OffsetCommitPartition;
import io.tributary.proto.v1.OffsetCommitRequest;
import io.tributary.proto.v1.OffsetCommitResponse;
import io.tributary.proto.v1.OffsetCommitTopic;
import io.tributary.proto.v1.OffsetFetchPartitionResponse;
import io.tributary.proto.v1.OffsetFetchRequest;
import io.tributary.proto.v1.PartitionProduceData;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.TopicProduceData;
import io.tributary.proto.v1.TopicPartitions;
import io.tributary.proto.v1.TributaryGrpc;
import io.tributary.record.RecordBatchBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single node's group coordinator over the wire: the offsets topic is created on the first
 * FindCoordinator, members join and commit, and everything survives a restart (the new
 * coordinator loads it from the log).
 */
class GroupCoordinatorIntegrationTest {
    private static final String GROUP = "orders-service";

    @TempDir
    Path dataDir;
    private BrokerNode node;
    private ManagedChannel channel;
    private TributaryGrpc.TributaryBlockingStub stub;

    private void start() throws Exception {
        NodeConfig config = NodeConfig.ephemeral(dataDir).withGroups(new NodeConfig.Groups(4, 1, 10_000, 500, 100, 64));
        node = BrokerNode.start(config);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", node.clientPort()).usePlaintext().build();
        stub = TributaryGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (node != null) {
            node.close();
        }
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        stop();
    }

    private Coordinator findCoordinator() {
        return stub.findCoordinator(FindCoordinatorRequest.newBuilder().addKeys(GROUP).build()).getCoordinators(0);
    }

    /** Heartbeats until the coordinator has loaded the group's partition (it answers NOT_COORDINATOR until then). */
    private ConsumerGroupHeartbeatResponse heartbeat(ConsumerGroupHeartbeatRequest request) {
        ConsumerGroupHeartbeatResponse[] answer = new ConsumerGroupHeartbeatResponse[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            answer[0] = stub.consumerGroupHeartbeat(request);
            return answer[0].getErrorCode() != ErrorCode.NOT_COORDINATOR
                    && answer[0].getErrorCode() != ErrorCode.COORDINATOR_NOT_AVAILABLE;
        });
        return answer[0];
    }

    private static ConsumerGroupHeartbeatRequest join(String memberId) {
        return ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP).setMemberId(memberId).setMemberEpoch(0)
                .setRebalanceTimeoutMs(30_000).setSubscriptionSet(true).addSubscribedTopicNames("orders").build();
    }

    private OffsetCommitResponse commit(String memberId, int epoch, int partition, long offset) {
        return stub.offsetCommit(OffsetCommitRequest.newBuilder().setGroupId(GROUP).setMemberId(memberId)
                .setMemberEpoch(epoch).addTopics(OffsetCommitTopic.newBuilder().setTopic("orders").addPartitions(
                        OffsetCommitPartition.newBuilder().setPartition(partition).setCommittedOffset(offset)
                                .setCommittedLeaderEpoch(0).setMetadata("m"))).build());
    }

    private OffsetFetchPartitionResponse committed(int partition) {
        return stub.offsetFetch(OffsetFetchRequest.newBuilder().setGroupId(GROUP).addTopics(
                TopicPartitions.newBuilder().setTopic("orders").addPartitions(partition)).build())
                .getTopics(0).getPartitions(0);
    }

    @Test
    void groupsLiveOnTheOffsetsTopicAndSurviveARestart() throws Exception {
        start();
        stub.createTopics(CreateTopicsRequest.newBuilder().addTopics(NewTopic.newBuilder().setName("orders")
                .setNumPartitions(3)).build());
        Coordinator first = findCoordinator();
        assertThat(first.getErrorCode()).as("the offsets topic is created on first use").isIn(ErrorCode.NONE,
                ErrorCode.COORDINATOR_NOT_AVAILABLE);
        await().atMost(Duration.ofSeconds(30)).until(() -> findCoordinator().getErrorCode() == ErrorCode.NONE);
        Coordinator found = findCoordinator();
        assertThat(found.getNodeId()).isEqualTo(1);
        assertThat(found.getPort()).isEqualTo(node.clientPort());
        var offsetsTopic = stub.describeTopics(DescribeTopicsRequest.newBuilder().addNames(OffsetsTopic.NAME).build())
                .getTopics(0);
        assertThat(offsetsTopic.getPartitionsCount()).isEqualTo(4);
        assertThat(offsetsTopic.getConfigsMap()).containsEntry("cleanup.policy", "compact");
        var refused = stub.produce(ProduceRequest.newBuilder().setAcks(-1).addTopics(TopicProduceData.newBuilder()
                .setTopic(OffsetsTopic.NAME).addPartitions(PartitionProduceData.newBuilder().setPartition(0)
                        .setRecords(ByteString.copyFrom(new RecordBatchBuilder(64).append(0, new byte[] {1}, new byte[] {2})
                                .build())))).build()).getTopics(0).getPartitions(0);
        assertThat(refused.getErrorCode()).as("clients cannot write group state").isEqualTo(ErrorCode.INVALID_TOPIC_NAME);
        assertThat(stub.deleteTopics(io.tributary.proto.v1.DeleteTopicsRequest.newBuilder().addNames(OffsetsTopic.NAME)
                .build()).getTopics(0).getErrorCode()).as("nor delete it").isEqualTo(ErrorCode.INVALID_TOPIC_NAME);

        ConsumerGroupHeartbeatResponse joined = heartbeat(join("member-1"));
        assertThat(joined.getErrorCode()).isEqualTo(ErrorCode.NONE);
        assertThat(joined.getAssignmentList()).hasSize(1);
        assertThat(joined.getAssignment(0).getPartitionsList()).containsExactly(0, 1, 2);
        assertThat(joined.getHeartbeatIntervalMs()).isEqualTo(500);

        assertThat(commit("member-1", joined.getMemberEpoch(), 1, 42).getTopics(0).getPartitions(0).getErrorCode())
                .isEqualTo(ErrorCode.NONE);
        assertThat(commit("member-1", joined.getMemberEpoch() + 1, 1, 7).getErrorCode())
                .isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
        assertThat(commit("", -1, 1, 7).getErrorCode()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        assertThat(committed(1).getCommittedOffset()).isEqualTo(42);
        assertThat(committed(0).getCommittedOffset()).isEqualTo(-1);

        stop();
        start();

        // the restarted coordinator loads the member, its epoch and its assignment, and the offsets
        ConsumerGroupHeartbeatResponse again = heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP)
                .setMemberId("member-1").setMemberEpoch(joined.getMemberEpoch())
                .addOwnedTopicPartitions(joined.getAssignment(0)).build());
        assertThat(again.getErrorCode()).isEqualTo(ErrorCode.NONE);
        assertThat(again.getMemberEpoch()).isEqualTo(joined.getMemberEpoch());
        assertThat(again.getAssignmentList()).isEqualTo(joined.getAssignmentList());
        OffsetFetchPartitionResponse reloaded = committed(1);
        assertThat(reloaded.getCommittedOffset()).isEqualTo(42);
        assertThat(reloaded.getMetadata()).isEqualTo("m");

        DescribedGroup described = stub.describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds(GROUP).build())
                .getGroups(0);
        assertThat(described.getState()).isEqualTo("stable");
        assertThat(described.getMembersList()).extracting(m -> m.getMemberId()).containsExactly("member-1");
        assertThat(stub.listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList())
                .extracting(g -> g.getGroupId()).containsExactly(GROUP);

        assertThat(stub.deleteGroups(DeleteGroupsRequest.newBuilder().addGroupIds(GROUP).build()).getGroups(0)
                .getErrorCode()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP).setMemberId("member-1").setMemberEpoch(-1).build());
        assertThat(stub.deleteGroups(DeleteGroupsRequest.newBuilder().addGroupIds(GROUP).build()).getGroups(0)
                .getErrorCode()).isEqualTo(ErrorCode.NONE);
        assertThat(committed(1).getCommittedOffset()).isEqualTo(-1);
    }
}
