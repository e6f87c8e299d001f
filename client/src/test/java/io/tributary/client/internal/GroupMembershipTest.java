package io.tributary.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ConsumerGroupHeartbeatResponse;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.TopicPartitions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroupMembershipTest {
    private static final TopicPartition T0 = new TopicPartition("t", 0);
    private static final TopicPartition T1 = new TopicPartition("t", 1);

    private final GroupMembership membership = new GroupMembership("g", "m1", "", 30_000, "", 100);

    private static ConsumerGroupHeartbeatResponse answer(int epoch, int... partitions) {
        TopicPartitions.Builder assignment = TopicPartitions.newBuilder().setTopic("t");
        for (int p : partitions) {
            assignment.addPartitions(p);
        }
        return ConsumerGroupHeartbeatResponse.newBuilder().setErrorCode(ErrorCode.NONE).setMemberId("m1")
                .setMemberEpoch(epoch).setHeartbeatIntervalMs(1_000).setSessionTimeoutMs(10_000)
                .addAssignment(assignment).build();
    }

    @Test
    void joinsWithItsSubscriptionThenHeartbeatsWhatItOwns() {
        assertThat(membership.heartbeatToSend(0)).as("nothing to join before a subscription").isNull();
        membership.subscribe(List.of("t"));
        ConsumerGroupHeartbeatRequest join = membership.heartbeatToSend(0);
        assertThat(join.getMemberEpoch()).isZero();
        assertThat(join.getSubscribedTopicNamesList()).containsExactly("t");
        assertThat(membership.heartbeatToSend(0)).as("one heartbeat in flight").isNull();

        GroupMembership.Change change = membership.onResponse(answer(3, 0, 1), 50);
        assertThat(change.assigned()).containsExactly(T0, T1);
        assertThat(membership.heartbeatToSend(500)).as("not before the interval").isNull();
        ConsumerGroupHeartbeatRequest next = membership.heartbeatToSend(1_050);
        assertThat(next.getMemberEpoch()).isEqualTo(3);
        assertThat(next.getSubscriptionSet()).isFalse();
        assertThat(next.getOwnedTopicPartitionsList().get(0).getPartitionsList()).containsExactly(0, 1);
    }

    @Test
    void aRevokedPartitionStopsAtOnceAndTheCoordinatorHearsOnlyAfterRevocationIsDone() {
        membership.subscribe(List.of("t"));
        membership.heartbeatToSend(0);
        membership.onResponse(answer(3, 0, 1), 0);
        membership.heartbeatToSend(1_000);
        GroupMembership.Change change = membership.onResponse(answer(3, 1), 1_000);
        assertThat(change.revoked()).containsExactly(T0);
        assertThat(membership.mayDeliver(T0, 1_000)).isFalse();
        assertThat(membership.mayDeliver(T1, 1_000)).isTrue();
        assertThat(membership.heartbeatToSend(5_000)).as("waits for the revocation").isNull();
        membership.revocationDone();
        ConsumerGroupHeartbeatRequest ack = membership.heartbeatToSend(5_000);
        assertThat(ack.getOwnedTopicPartitionsList().get(0).getPartitionsList()).containsExactly(1);
    }

    @Test
    void theLeaseRunsFromTheSendTimeOfTheLastAnsweredHeartbeat() {
        membership.subscribe(List.of("t"));
        membership.heartbeatToSend(100);
        membership.onResponse(answer(3, 0), 900);
        assertThat(membership.mayDeliver(T0, 10_099)).isTrue();
        assertThat(membership.mayDeliver(T0, 10_100)).isFalse();
        assertThat(membership.expireLease(10_100)).containsExactly(T0);
        assertThat(membership.memberEpoch()).as("joins again").isZero();
    }

    @Test
    void aFencedMemberLosesEverythingAndJoinsAgain() {
        membership.subscribe(List.of("t"));
        membership.heartbeatToSend(0);
        membership.onResponse(answer(3, 0, 1), 0);
        membership.heartbeatToSend(1_000);
        GroupMembership.Change change = membership.onResponse(ConsumerGroupHeartbeatResponse.newBuilder()
                .setErrorCode(ErrorCode.FENCED_MEMBER_EPOCH).build(), 1_000);
        assertThat(change.lost()).isEqualTo(Set.of(T0, T1));
        assertThat(membership.owned()).isEmpty();
        assertThat(membership.heartbeatToSend(1_000).getMemberEpoch()).isZero();
    }

    @Test
    void aRefusalRetryingCannotFixReachesTheApplication() {
        membership.subscribe(List.of("t"));
        membership.heartbeatToSend(0);
        assertThatThrownBy(() -> membership.onResponse(ConsumerGroupHeartbeatResponse.newBuilder()
                .setErrorCode(ErrorCode.GROUP_MAX_SIZE_REACHED).setErrorMessage("full").build(), 0))
                .isInstanceOf(GroupMembership.FatalGroupError.class).hasMessageContaining("full");
        membership.onNoResponse(0);
        assertThat(membership.heartbeatToSend(50)).as("backs off").isNull();
        assertThat(membership.heartbeatToSend(100)).isNotNull();
    }
}
