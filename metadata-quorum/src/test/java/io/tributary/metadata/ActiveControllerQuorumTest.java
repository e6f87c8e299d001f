package io.tributary.metadata;

import static io.tributary.metadata.MetadataControllerTest.create;
import static io.tributary.metadata.MetadataControllerTest.register;
import static io.tributary.metadata.MetadataQuorumTest.await;
import static io.tributary.metadata.MetadataQuorumTest.freePort;
import static io.tributary.metadata.MetadataQuorumTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.v1.BrokerHeartbeatRequest;
import io.tributary.proto.v1.BrokerHeartbeatResponse;
import io.tributary.proto.v1.ControlledShutdownRequest;
import io.tributary.proto.v1.ControlledShutdownResponse;
import io.tributary.proto.v1.ErrorCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The active controller on real Ratis servers (loopback, ephemeral ports) with a fake lease clock. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ActiveControllerQuorumTest {
    @TempDir
    Path dir;

    final AtomicLong clockMs = new AtomicLong(1_000_000);

    static BrokerHeartbeatResponse heartbeat(MetadataQuorum q, int broker, long epoch) throws Exception {
        return q.handleBrokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(broker).setBrokerEpoch(epoch)
                .setMetadataOffset(q.image().version()).build()).get(20, TimeUnit.SECONDS);
    }

    @Test
    void singleVoterFencesASilentBrokerMovesItsPartitionsAndUnfencesItWhenItReturns() throws Exception {
        QuorumConfig config = new QuorumConfig(1, dir.resolve("n1"), List.of(new QuorumPeer(1, "127.0.0.1", freePort())),
                "c", 100_000, 1500, clockMs::get);
        try (MetadataQuorum q = MetadataQuorum.start(config)) {
            q.awaitCaughtUp().get(5, TimeUnit.SECONDS);
            long e1 = ok(q, register(1)).getBrokerEpoch();
            long e2 = ok(q, register(2)).getBrokerEpoch();
            assertThat(q.image().brokers().get(1).fenced()).isTrue();
            BrokerHeartbeatResponse first = heartbeat(q, 1, e1);
            assertThat(first.getErrorCode()).isEqualTo(ErrorCode.NONE);
            assertThat(first.getIsFenced()).isFalse();
            assertThat(first.getIsCaughtUp()).isTrue();
            assertThat(heartbeat(q, 2, e2).getIsFenced()).isFalse();
            ok(q, create("t", 4, 2, Map.of()));
            assertThat(q.image().leaderships(2)).isEqualTo(2);

            long broker2LastHeard = clockMs.get();
            // The fake clock moves on in small steps while the controller ticks, as time does (one
            // jump of a whole session between two ticks would look like the controller's own
            // pause); broker 1 keeps heartbeating, broker 2 is silent.
            await("broker 2 fenced", () -> {
                clockMs.addAndGet(20);
                q.handleBrokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(1).setBrokerEpoch(e1)
                        .setMetadataOffset(q.image().version()).build()); // handled in-process, at once
                return q.image().brokers().get(2).fenced();
            });
            assertThat(clockMs.get() - broker2LastHeard).as("a full session first").isGreaterThan(1500);
            assertThat(q.image().brokers().get(1).fenced()).isFalse();
            assertThat(q.image().leaderships(2)).isZero();
            for (PartitionRegistration p : q.image().topic("t").orElseThrow().partitions().values()) {
                assertThat(p.leader()).isEqualTo(1);
                assertThat(p.isr()).containsExactly(1);
            }
            clockMs.addAndGet(100);
            heartbeat(q, 1, e1);
            BrokerHeartbeatResponse back = heartbeat(q, 2, e2);
            assertThat(back.getIsFenced()).isFalse();
            assertThat(q.image().brokers().get(2).fenced()).isFalse();

            BrokerHeartbeatResponse stale = heartbeat(q, 2, e2 - 1);
            assertThat(stale.getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(heartbeat(q, 7, 1).getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);

            ControlledShutdownResponse down = q.handleControlledShutdown(ControlledShutdownRequest.newBuilder()
                    .setBrokerId(1).setBrokerEpoch(e1).build()).get(20, TimeUnit.SECONDS);
            assertThat(down.getErrorCode()).isEqualTo(ErrorCode.NONE);
            assertThat(down.getRemainingLeaderships()).isZero();
            assertThat(q.image().brokers().get(1).inControlledShutdown()).isTrue();
            BrokerHeartbeatResponse stop = q.handleBrokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(1)
                    .setBrokerEpoch(e1).setMetadataOffset(q.image().version()).setWantShutdown(true).build())
                    .get(20, TimeUnit.SECONDS);
            assertThat(stop.getShouldShutdown()).isTrue();
            // broker 1 was the last ISR member: the partitions wait for it (no unclean election)
            assertThat(q.image().topic("t").orElseThrow().partitions().values())
                    .allSatisfy(p -> assertThat(p.leader()).isEqualTo(PartitionRegistration.NO_LEADER));

            QuorumStatus status = q.describeQuorum();
            assertThat(status.leaderId()).hasValue(1);
            assertThat(status.voters()).singleElement().satisfies(v -> assertThat(v.matchIndex()).isPositive());
        }
    }

    @Test
    void threeVotersAnswerNotControllerOnFollowersDescribeTheQuorumAndSurviveTheLeaderClosing() throws Exception {
        List<QuorumPeer> voters = List.of(new QuorumPeer(1, "127.0.0.1", freePort()),
                new QuorumPeer(2, "127.0.0.1", freePort()), new QuorumPeer(3, "127.0.0.1", freePort()));
        List<MetadataQuorum> nodes = new ArrayList<>();
        try {
            for (QuorumPeer v : voters) {
                nodes.add(MetadataQuorum.start(new QuorumConfig(v.id(), dir.resolve("n" + v.id()), voters, null, 1000,
                        1500, clockMs::get)));
            }
            await("a leader", () -> nodes.stream().filter(MetadataQuorum::isLeader).count() == 1);
            MetadataQuorum leader = nodes.stream().filter(MetadataQuorum::isLeader).findFirst().orElseThrow();
            MetadataQuorum follower = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
            long e1 = ok(follower, register(1)).getBrokerEpoch();

            BrokerHeartbeatResponse notController = follower.handleBrokerHeartbeat(BrokerHeartbeatRequest.newBuilder()
                    .setBrokerId(1).setBrokerEpoch(e1).build()).get(5, TimeUnit.SECONDS);
            assertThat(notController.getErrorCode()).isEqualTo(ErrorCode.NOT_CONTROLLER);
            assertThat(notController.hasController()).isFalse();
            assertThat(follower.handleControlledShutdown(ControlledShutdownRequest.newBuilder().setBrokerId(1)
                    .setBrokerEpoch(e1).build()).get(5, TimeUnit.SECONDS).getErrorCode())
                    .isEqualTo(ErrorCode.NOT_CONTROLLER);
            assertThat(heartbeat(leader, 1, e1).getIsFenced()).isFalse();

            for (MetadataQuorum n : nodes) {
                n.awaitCaughtUp().get(20, TimeUnit.SECONDS);
                assertThat(n.image().brokers().get(1).fenced()).isFalse();
            }
            await("followers replicated", () -> {
                QuorumStatus s = leader.describeQuorum();
                return s.voters().stream().allMatch(v -> v.matchIndex() >= s.commitIndex() && v.lag() == 0);
            });
            QuorumStatus status = leader.describeQuorum();
            assertThat(status.leaderId()).hasValue(leader.nodeId());
            assertThat(status.term()).isPositive();
            assertThat(status.voters()).extracting(VoterStatus::id).containsExactly(1, 2, 3);
            assertThat(status.voters()).allSatisfy(v -> assertThat(v.port()).isPositive());
            QuorumStatus seenByFollower = follower.describeQuorum();
            assertThat(seenByFollower.leaderId()).hasValue(leader.nodeId());
            assertThat(seenByFollower.voters()).filteredOn(v -> v.id() != follower.nodeId())
                    .allSatisfy(v -> assertThat(v.matchIndex()).isEqualTo(-1));

            leader.close();
            nodes.remove(leader);
            await("a new leader", () -> nodes.stream().anyMatch(MetadataQuorum::isLeader));
            MetadataCommandResult created = ok(nodes.get(0), create("after-failover", 1, 1, Map.of()));
            assertThat(created.getTopicId()).isNotEmpty();
            // the new controller gives broker 1 a full session before fencing it
            MetadataQuorum newLeader = nodes.stream().filter(MetadataQuorum::isLeader).findFirst().orElseThrow();
            assertThat(newLeader.image().brokers().get(1).fenced()).isFalse();
            // its leases start on its first tick or heartbeat, whichever comes first; this heartbeat
            // makes sure they started before the clock moves (the tick may not have run yet)
            assertThat(heartbeat(newLeader, 1, e1).getIsFenced()).isFalse();
            // the remaining follower's member knows whom it follows, and its broker's heartbeat gets there
            MetadataQuorum remaining = nodes.stream().filter(n -> n != newLeader).findFirst().orElseThrow();
            await("the remaining follower follows the new leader", () -> remaining.followedLeader()
                    .equals(OptionalInt.of(newLeader.nodeId())));
            BrokerHeartbeatResponse viaFollower = remaining.sendBrokerHeartbeat(BrokerHeartbeatRequest.newBuilder()
                    .setBrokerId(1).setBrokerEpoch(e1).build()).get(5, TimeUnit.SECONDS);
            assertThat(viaFollower.getErrorCode()).isEqualTo(ErrorCode.NONE);
            assertThat(viaFollower.getIsFenced()).isFalse();
            long lastHeartbeatMs = clockMs.get();
            // The fake clock moves on in small steps, as time does: a jump of a whole session between
            // two ticks would look like the controller's own pause, which restarts the leases.
            await("broker 1 fenced by the new controller", () -> {
                clockMs.addAndGet(20);
                return newLeader.image().brokers().get(1).fenced();
            });
            assertThat(clockMs.get() - lastHeartbeatMs).as("a full session first").isGreaterThan(1500);
        } finally {
            nodes.forEach(MetadataQuorum::close);
        }
    }
}
