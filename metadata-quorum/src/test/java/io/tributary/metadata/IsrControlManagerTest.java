package io.tributary.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.metadata.MetadataControllerTest.Harness;
import io.tributary.proto.metadata.v1.AlterPartitionCommand;
import io.tributary.proto.metadata.v1.FenceBrokerCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.v1.ErrorCode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IsrControlManagerTest {
    private Harness h;
    private String topicId;

    @BeforeEach
    void setUp() {
        h = MetadataControllerTest.withBrokers(3);
        assertThat(h.run(MetadataControllerTest.create("t", 1, 3, Map.of())).getErrorCode()).isZero();
        topicId = h.image().topic("t").orElseThrow().topicId();
    }

    private PartitionRegistration partition() {
        return h.image().topic("t").orElseThrow().partitions().get(0);
    }

    private MetadataCommand alter(int broker, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        return MetadataCommand.newBuilder().setAlterPartition(AlterPartitionCommand.newBuilder().setBrokerId(broker)
                .setBrokerEpoch(h.image().brokers().get(broker).brokerEpoch()).setTopicId(topicId).setPartition(0)
                .setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch).addAllNewIsr(isr)).build();
    }

    private MetadataCommand alterFromLeader(List<Integer> isr) {
        PartitionRegistration p = partition();
        return alter(p.leader(), p.leaderEpoch(), p.partitionEpoch(), isr);
    }

    private static void assertError(MetadataCommandResult result, ErrorCode code) {
        assertThat(ErrorCode.forNumber(result.getErrorCode())).as(result.getErrorMessage()).isEqualTo(code);
    }

    @Test
    void shrinkThenExpandBumpsThePartitionEpochOnlyAndKeepsReplicaOrder() {
        PartitionRegistration before = partition();
        int leader = before.leader();
        int follower = before.replicas().stream().filter(r -> r != leader).findFirst().orElseThrow();
        List<Integer> shrunk = before.replicas().stream().filter(r -> r != follower).toList();

        assertError(h.run(alterFromLeader(shrunk)), ErrorCode.NONE);
        assertThat(partition().isr()).isEqualTo(shrunk);
        assertThat(partition().partitionEpoch()).isEqualTo(before.partitionEpoch() + 1);
        assertThat(partition().leaderEpoch()).isEqualTo(before.leaderEpoch());

        List<Integer> reversed = new java.util.ArrayList<>(before.replicas());
        java.util.Collections.reverse(reversed);
        assertError(h.run(alterFromLeader(reversed)), ErrorCode.NONE);
        assertThat(partition().isr()).isEqualTo(before.replicas());
        assertThat(partition().partitionEpoch()).isEqualTo(before.partitionEpoch() + 2);
    }

    @Test
    void staleEpochsAndWrongSendersAreRejectedWithoutChange() {
        PartitionRegistration p = partition();
        int follower = p.replicas().stream().filter(r -> r != p.leader()).findFirst().orElseThrow();
        List<Integer> shrunk = List.of(p.leader());

        assertError(h.run(alter(p.leader(), p.leaderEpoch(), p.partitionEpoch() - 1, shrunk)),
                ErrorCode.INVALID_UPDATE_VERSION);
        assertError(h.run(alter(p.leader(), p.leaderEpoch() - 1, p.partitionEpoch(), shrunk)),
                ErrorCode.FENCED_LEADER_EPOCH);
        assertError(h.run(alter(follower, p.leaderEpoch(), p.partitionEpoch(), List.of(follower))),
                ErrorCode.NOT_LEADER_OR_FOLLOWER);
        assertError(h.run(alterFromLeader(List.of(follower))), ErrorCode.INVALID_REQUEST); // leader missing
        assertError(h.run(alterFromLeader(List.of(p.leader(), 99))), ErrorCode.INVALID_REQUEST); // not a replica
        assertError(h.run(alterFromLeader(List.of(p.leader(), p.leader()))), ErrorCode.INVALID_REQUEST);
        assertThat(partition()).isEqualTo(p);
    }

    @Test
    void aFencedBrokerCannotBeAddedBackButTheSameIsrIsANoOp() {
        PartitionRegistration p = partition();
        int follower = p.replicas().stream().filter(r -> r != p.leader()).findFirst().orElseThrow();
        assertError(h.run(MetadataCommand.newBuilder().setFenceBroker(FenceBrokerCommand.newBuilder()
                .setBrokerId(follower).setBrokerEpoch(h.image().brokers().get(follower).brokerEpoch())).build()),
                ErrorCode.NONE);
        PartitionRegistration afterFence = partition();
        assertThat(afterFence.isr()).doesNotContain(follower);

        assertError(h.run(alterFromLeader(p.replicas())), ErrorCode.INELIGIBLE_REPLICA);
        assertError(h.run(alterFromLeader(afterFence.isr())), ErrorCode.NONE);
        assertThat(partition()).isEqualTo(afterFence);

        h.unfence(follower);
        assertError(h.run(alterFromLeader(p.replicas())), ErrorCode.NONE);
        assertThat(partition().isr()).isEqualTo(p.replicas());
    }

    @Test
    void aChangeDecidedOnAnOlderImageLosesToAConcurrentOne() {
        PartitionRegistration p = partition();
        int follower = p.replicas().stream().filter(r -> r != p.leader()).findFirst().orElseThrow();
        MetadataCommand shrink = alterFromLeader(p.replicas().stream().filter(r -> r != follower).toList());
        ControllerResult first = MetadataController.generate(h.image(), shrink, "a");
        ControllerResult second = MetadataController.generate(h.image(), alterFromLeader(List.of(p.leader())), "b");
        assertError(MetadataController.applyBatch(h.state, first.toBatch(), ++h.offset), ErrorCode.NONE);
        assertError(MetadataController.applyBatch(h.state, second.toBatch(), ++h.offset), ErrorCode.INVALID_UPDATE_VERSION);
        assertThat(partition().isr()).hasSize(2);
    }
    /** Issue 9, hole 8: an expansion decided while the follower was eligible, applied after it was fenced. */
    @Test
    void anExpansionIsCheckedAgainWhenApplied() {
        PartitionRegistration p = partition();
        int follower = p.replicas().stream().filter(r -> r != p.leader()).findFirst().orElseThrow();
        assertError(h.run(alterFromLeader(p.replicas().stream().filter(r -> r != follower).toList())), ErrorCode.NONE);
        ControllerResult expansion = MetadataController.generate(h.image(), alterFromLeader(p.replicas()), "expand");
        assertThat(expansion.toBatch().getRecordsCount()).as("decided while the follower was unfenced").isPositive();

        assertError(h.run(MetadataCommand.newBuilder().setFenceBroker(FenceBrokerCommand.newBuilder()
                .setBrokerId(follower).setBrokerEpoch(h.image().brokers().get(follower).brokerEpoch())).build()),
                ErrorCode.NONE);
        PartitionRegistration beforeApply = partition();

        assertError(MetadataController.applyBatch(h.state, expansion.toBatch(), ++h.offset), ErrorCode.INELIGIBLE_REPLICA);
        assertThat(partition()).isEqualTo(beforeApply);
        assertThat(partition().isr()).doesNotContain(follower);
    }
}
