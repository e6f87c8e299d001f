package io.tributary.metadata;

import static io.tributary.metadata.MetadataControllerTest.create;
import static io.tributary.metadata.MetadataControllerTest.register;
import static io.tributary.metadata.MetadataControllerTest.withBrokers;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.metadata.MetadataControllerTest.Harness;
import io.tributary.proto.metadata.v1.AllocateProducerIdsCommand;
import io.tributary.proto.metadata.v1.AlterConfigsCommand;
import io.tributary.proto.metadata.v1.ControlledShutdownCommand;
import io.tributary.proto.metadata.v1.ElectPreferredLeadersCommand;
import io.tributary.proto.metadata.v1.FenceBrokerCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.v1.BrokerHeartbeatRequest;
import io.tributary.proto.v1.ErrorCode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure active-controller decisions: fencing, unfencing, shutdown, elections, configs, producer ids. */
class ActiveControllerTest {
    static MetadataCommand fence(int id, long epoch) {
        return MetadataCommand.newBuilder().setFenceBroker(FenceBrokerCommand.newBuilder().setBrokerId(id)
                .setBrokerEpoch(epoch)).build();
    }

    static MetadataCommand shutdown(int id, long epoch) {
        return MetadataCommand.newBuilder().setControlledShutdown(ControlledShutdownCommand.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch)).build();
    }

    static MetadataCommand allocate(int id, long epoch) {
        return MetadataCommand.newBuilder().setAllocateProducerIds(AllocateProducerIdsCommand.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch)).build();
    }

    static long epoch(Harness h, int id) {
        return h.image().brokers().get(id).brokerEpoch();
    }

    static PartitionRegistration partition(Harness h, String topic, int p) {
        return h.image().topic(topic).orElseThrow().partitions().get(p);
    }

    @Test
    void newRegistrationsAreFencedAndLeadNothingUntilUnfenced() {
        Harness h = new Harness();
        h.run(register(1));
        assertThat(h.image().brokers().get(1).fenced()).isTrue();
        assertThat(h.run(create("t", 2, 1, Map.of())).getErrorCode()).isZero();
        assertThat(partition(h, "t", 0).leader()).isEqualTo(PartitionRegistration.NO_LEADER);
        assertThat(partition(h, "t", 0).isr()).containsExactly(1);
        assertThat(h.unfence(1).getErrorCode()).isZero();
        assertThat(partition(h, "t", 0).leader()).isEqualTo(1);
        assertThat(partition(h, "t", 0).leaderEpoch()).isEqualTo(1);
        assertThat(partition(h, "t", 1).leader()).isEqualTo(1);
    }

    @Test
    void fencingMovesLeadershipToTheNextIsrMemberAndBumpsEpochs() {
        Harness h = withBrokers(3);
        h.run(create("t", 3, 3, Map.of()));
        int oldLeader = partition(h, "t", 0).leader();
        MetadataCommandResult r = h.run(fence(oldLeader, epoch(h, oldLeader)));
        assertThat(r.getErrorCode()).isZero();
        PartitionRegistration p = partition(h, "t", 0);
        assertThat(p.leader()).isNotEqualTo(oldLeader).isNotEqualTo(PartitionRegistration.NO_LEADER);
        assertThat(p.isr()).hasSize(2).doesNotContain(oldLeader);
        assertThat(p.leaderEpoch()).isEqualTo(1);
        assertThat(p.partitionEpoch()).isEqualTo(1);
        assertThat(h.image().brokers().get(oldLeader).fenced()).isTrue();
        assertThat(h.image().leaderships(oldLeader)).isZero();
        // fencing again is a no-op
        MetadataImage before = h.image();
        assertThat(MetadataController.generate(before, fence(oldLeader, epoch(h, oldLeader)), "x").records()).isEmpty();
    }

    @Test
    void staleOrUnknownBrokerEpochsAreRejectedAndChangeNothing() {
        Harness h = withBrokers(2);
        long stale = epoch(h, 1);
        h.run(register(1)); // a restart: new epoch
        for (MetadataCommand c : List.of(fence(1, stale), shutdown(1, stale), allocate(1, stale), fence(9, 1))) {
            ControllerResult r = MetadataController.generate(h.image(), c, "s");
            assertThat(r.records()).isEmpty();
            assertThat(r.result().getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST.getNumber());
            assertThat(r.result().getErrorMessage()).containsAnyOf("stale broker epoch", "not registered");
        }
        var hb = BrokerHeartbeatRequest.newBuilder().setBrokerId(1).setBrokerEpoch(stale).build();
        assertThat(BrokerControlManager.heartbeatError(h.image(), hb)).hasValueSatisfying(
                e -> assertThat(e.getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST));
    }

    @Test
    void fenceDecidedOnAnOldImageDoesNotApplyToANewerRegistration() {
        Harness h = withBrokers(2);
        ControllerResult oldFence = MetadataController.generate(h.image(), fence(1, epoch(h, 1)), "a");
        assertThat(oldFence.records()).isNotEmpty();
        h.run(register(1));
        h.unfence(1);
        MetadataCommandResult r = MetadataController.applyBatch(h.state, oldFence.toBatch(), ++h.offset);
        assertThat(r.getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST.getNumber());
        assertThat(h.image().brokers().get(1).fenced()).isFalse();
    }

    @Test
    void fenceDecidedBeforeATopicExistedIsDecidedAgain() {
        Harness h = withBrokers(2);
        ControllerResult oldFence = MetadataController.generate(h.image(), fence(1, epoch(h, 1)), "a");
        h.run(create("t", 4, 1, Map.of())); // some partitions led by broker 1
        MetadataCommandResult r = MetadataController.applyBatch(h.state, oldFence.toBatch(), ++h.offset);
        assertThat(r.getErrorCode()).isEqualTo(ErrorCode.INVALID_UPDATE_VERSION.getNumber());
        assertThat(h.run(fence(1, epoch(h, 1))).getErrorCode()).isZero();
        assertThat(h.image().leaderships(1)).isZero();
    }

    @Test
    void unfenceNeedsAHeartbeatThatCaughtUpWithTheRegistration() {
        Harness h = new Harness();
        h.run(register(1));
        long epoch = epoch(h, 1);
        var behind = BrokerHeartbeatRequest.newBuilder().setBrokerId(1).setBrokerEpoch(epoch)
                .setMetadataOffset(epoch - 1).build();
        assertThat(BrokerControlManager.heartbeatCommand(h.image(), behind)).isEmpty();
        assertThat(BrokerControlManager.heartbeatResponse(h.image(), behind).getIsCaughtUp()).isFalse();
        var caughtUp = behind.toBuilder().setMetadataOffset(epoch).build();
        MetadataCommand command = BrokerControlManager.heartbeatCommand(h.image(), caughtUp).orElseThrow();
        assertThat(command.hasUnfenceBroker()).isTrue();
        h.run(command);
        var response = BrokerControlManager.heartbeatResponse(h.image(), caughtUp);
        assertThat(response.getIsFenced()).isFalse();
        assertThat(response.getIsCaughtUp()).isTrue();
        assertThat(BrokerControlManager.heartbeatCommand(h.image(), caughtUp)).isEmpty();
    }

    @Test
    void controlledShutdownMovesLeadershipAwayThenLetsTheBrokerStop() {
        Harness h = withBrokers(3);
        h.run(create("t", 6, 2, Map.of()));
        assertThat(h.image().leaderships(2)).isPositive();
        var hb = BrokerHeartbeatRequest.newBuilder().setBrokerId(2).setBrokerEpoch(epoch(h, 2))
                .setMetadataOffset(h.offset).setWantShutdown(true).build();
        assertThat(BrokerControlManager.heartbeatResponse(h.image(), hb).getShouldShutdown()).isFalse();
        MetadataCommand command = BrokerControlManager.heartbeatCommand(h.image(), hb).orElseThrow();
        assertThat(command.hasControlledShutdown()).isTrue();
        assertThat(h.run(command).getErrorCode()).isZero();
        BrokerRegistration b = h.image().brokers().get(2);
        assertThat(b.inControlledShutdown()).isTrue();
        assertThat(b.fenced()).isTrue();
        assertThat(h.image().leaderships(2)).isZero();
        for (PartitionRegistration p : h.image().topic("t").orElseThrow().partitions().values()) {
            assertThat(p.leader()).isNotEqualTo(2).isNotEqualTo(PartitionRegistration.NO_LEADER);
            assertThat(p.isr()).doesNotContain(2);
        }
        assertThat(BrokerControlManager.heartbeatResponse(h.image(), hb).getShouldShutdown()).isTrue();
        assertThat(BrokerControlManager.heartbeatCommand(h.image(), hb)).isEmpty();
        // a shutting-down broker is not unfenced by a plain heartbeat
        assertThat(BrokerControlManager.heartbeatCommand(h.image(), hb.toBuilder().setWantShutdown(false).build()))
                .isEmpty();
    }

    @Test
    void preferredElectionRestoresTheFirstReplicaAsLeader() {
        Harness h = withBrokers(3);
        h.run(create("t", 3, 3, Map.of()));
        int preferred = partition(h, "t", 0).replicas().get(0);
        h.run(fence(preferred, epoch(h, preferred)));
        assertThat(partition(h, "t", 0).leader()).isNotEqualTo(preferred);
        h.run(register(preferred));
        h.unfence(preferred);
        // back, but not in the ISR (ISR expansion is the partition leader's job): no change yet
        MetadataCommand elect = MetadataCommand.newBuilder().setElectPreferredLeaders(
                ElectPreferredLeadersCommand.newBuilder().addTopics("t")).build();
        assertThat(MetadataController.generate(h.image(), elect, "e").records()).isEmpty();
        assertThat(MetadataController.generate(h.image(), MetadataCommand.newBuilder().setElectPreferredLeaders(
                ElectPreferredLeadersCommand.newBuilder().addTopics("nope")).build(), "e").result().getErrorCode())
                .isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.getNumber());

        Harness g = withBrokers(2);
        g.run(create("u", 1, 2, Map.of()));
        int first = partition(g, "u", 0).replicas().get(0);
        int second = partition(g, "u", 0).replicas().get(1);
        // a pause: fenced, keeps its place as the last ISR member? no: the other is in the ISR, so it leaves
        g.run(fence(first, epoch(g, first)));
        assertThat(partition(g, "u", 0).leader()).isEqualTo(second);
        g.run(fence(second, epoch(g, second)));
        assertThat(partition(g, "u", 0).leader()).isEqualTo(PartitionRegistration.NO_LEADER);
        assertThat(partition(g, "u", 0).isr()).containsExactly(second);
        g.unfence(second);
        assertThat(partition(g, "u", 0).leader()).isEqualTo(second);
    }

    @Test
    void alterConfigsValidatesLikeCreateAndAppliesIncrementally() {
        Harness h = withBrokers(1);
        h.run(create("t", 1, 1, Map.of("retention.ms", "1000", "cleanup.policy", "compact")));
        MetadataCommand ok = alter("t", Map.of("retention.ms", "2000", "segment.bytes", "1048576"),
                List.of("cleanup.policy"), false);
        assertThat(h.run(ok).getErrorCode()).isZero();
        assertThat(h.image().topic("t").orElseThrow().configs())
                .isEqualTo(Map.of("retention.ms", "2000", "segment.bytes", "1048576"));
        assertThat(code(h, alter("nope", Map.of(), List.of(), false))).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(code(h, alter("t", Map.of("bogus", "1"), List.of(), false))).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(code(h, alter("t", Map.of("retention.ms", "-5"), List.of(), false)))
                .isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(code(h, alter("t", Map.of(), List.of("bogus"), false))).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(code(h, alter("t", Map.of("retention.ms", "5"), List.of("retention.ms"), false)))
                .isEqualTo(ErrorCode.INVALID_REQUEST);
        ControllerResult validateOnly = MetadataController.generate(h.image(),
                alter("t", Map.of("retention.ms", "5"), List.of(), true), "v");
        assertThat(validateOnly.isError()).isFalse();
        assertThat(validateOnly.records()).isEmpty();
    }

    static MetadataCommand alter(String topic, Map<String, String> set, List<String> delete, boolean validateOnly) {
        return MetadataCommand.newBuilder().setAlterConfigs(AlterConfigsCommand.newBuilder().setTopic(topic)
                .putAllSet(set).addAllDelete(delete).setValidateOnly(validateOnly)).build();
    }

    static ErrorCode code(Harness h, MetadataCommand command) {
        ControllerResult r = MetadataController.generate(h.image(), command, "c");
        assertThat(r.records()).isEmpty();
        return ErrorCode.forNumber(r.result().getErrorCode());
    }

    @Test
    void producerIdBlocksAreMonotonicEvenWhenDecidedConcurrently() {
        Harness h = withBrokers(2);
        assertThat(h.run(allocate(1, epoch(h, 1))).getFirstProducerId()).isZero();
        assertThat(h.run(allocate(2, epoch(h, 2))).getFirstProducerId()).isEqualTo(1000);
        MetadataImage image = h.image();
        ControllerResult a = MetadataController.generate(image, allocate(1, epoch(h, 1)), "a");
        ControllerResult b = MetadataController.generate(image, allocate(2, epoch(h, 2)), "b");
        assertThat(MetadataController.applyBatch(h.state, a.toBatch(), ++h.offset).getFirstProducerId()).isEqualTo(2000);
        assertThat(MetadataController.applyBatch(h.state, b.toBatch(), ++h.offset).getFirstProducerId()).isEqualTo(3000);
        assertThat(h.image().nextProducerId()).isEqualTo(4000);
    }

    @Test
    void snapshotsCarryFencingShutdownAndProducerIds() {
        Harness h = withBrokers(3);
        h.run(create("t", 3, 3, Map.of("unclean.leader.election.enable", "true")));
        h.run(fence(1, epoch(h, 1)));
        h.run(shutdown(2, epoch(h, 2)));
        h.run(allocate(3, epoch(h, 3)));
        h.run(alter("t", Map.of("retention.ms", "9"), List.of(), false));
        ClusterMetadata rebuilt = new ClusterMetadata(h.state.clusterId());
        for (MetadataRecord r : h.state.toRecords()) {
            rebuilt.replay(r, h.offset);
        }
        rebuilt.advanceTo(h.offset);
        assertThat(rebuilt.image()).isEqualTo(h.image());
        assertThat(rebuilt.image().brokers().get(2).inControlledShutdown()).isTrue();
        assertThat(rebuilt.image().nextProducerId()).isEqualTo(1000);
    }

    @Test
    void leasesExpireAfterTheSessionTimeoutWithAGraceOnActivation() {
        Harness h = withBrokers(2);
        BrokerHeartbeatManager leases = new BrokerHeartbeatManager(1500);
        leases.activate(10_000);
        assertThat(leases.expired(h.image(), 11_500)).isEmpty();
        assertThat(leases.touch(1, epoch(h, 1), 11_000)).as("first heartbeat, 1 s after the activation").isEqualTo(1_000);
        assertThat(leases.touch(1, epoch(h, 1), 11_000)).as("not the first").isEqualTo(-1);
        assertThat(leases.expired(h.image(), 11_501)).extracting(BrokerRegistration::brokerId).containsExactly(2);
        assertThat(leases.expired(h.image(), 12_501)).extracting(BrokerRegistration::brokerId).containsExactly(1, 2);
        leases.touch(2, epoch(h, 2) - 1, 12_000); // a stale epoch does not renew the current registration
        assertThat(leases.expired(h.image(), 12_501)).extracting(BrokerRegistration::brokerId).containsExactly(1, 2);
        leases.activate(20_000); // a new active controller: full grace
        assertThat(leases.expired(h.image(), 21_000)).isEmpty();
        assertThat(leases.fenceCommands(h.image(), 21_501)).hasSize(2);
        assertThat(leases.touch(1, epoch(h, 1), 21_600)).as("first since this activation").isEqualTo(1_600);
    }

    /**
     * Issue 9 (the chaos harness's pause of the active controller): a controller that did not run
     * for longer than half a session (its own pause) saw every lease expired on resuming and fenced
     * every broker, itself included. It forgives the pause instead, and only the pause.
     */
    @Test
    void aControllerThatStalledRestartsTheLeasesInsteadOfFencingEveryone() {
        Harness h = withBrokers(2);
        BrokerHeartbeatManager leases = new BrokerHeartbeatManager(1500);
        ControllerTick tick = new ControllerTick(leases);
        leases.activate(10_000);
        for (long now = 10_000; now <= 11_400; now += 100) { // regular ticks, heartbeats keep coming
            assertThat(tick.begin(now)).isZero();
            leases.touch(1, epoch(h, 1), now);
            leases.touch(2, epoch(h, 2), now);
            assertThat(tick.nextCommand(h.image(), now)).isEmpty();
            tick.end(now);
        }

        long resumed = 11_400 + 4_000; // the controller process was stopped for 4 s
        assertThat(tick.begin(resumed)).isEqualTo(4_000);
        assertThat(tick.nextCommand(h.image(), resumed)).as("no broker fenced for the controller's own pause").isEmpty();
        tick.end(resumed);

        java.util.Optional<MetadataCommand> fence = java.util.Optional.empty();
        long now = resumed;
        while (fence.isEmpty() && now < resumed + 3_000) { // broker 2 stays silent: fenced one session later
            now += 100;
            tick.begin(now);
            leases.touch(1, epoch(h, 1), now);
            fence = tick.nextCommand(h.image(), now);
            tick.end(now);
        }
        assertThat(now).isEqualTo(resumed + 1_600);
        assertThat(fence).hasValueSatisfying(c -> assertThat(c.getFenceBroker().getBrokerId()).isEqualTo(2));
    }

    /** Only the pause is forgiven: a controller that pauses again and again still fences a dead broker. */
    @Test
    void aDeadBrokerIsFencedEvenWhenTheControllerKeepsPausing() {
        Harness h = withBrokers(2);
        BrokerHeartbeatManager leases = new BrokerHeartbeatManager(1500);
        ControllerTick tick = new ControllerTick(leases);
        leases.activate(0);
        long now = 0;
        long running = 0;
        java.util.Optional<MetadataCommand> fence = java.util.Optional.empty();
        while (fence.isEmpty() && now < 60_000) {
            now += running % 300 == 200 ? 900 : 100; // every third tick comes after an 800 ms pause
            running += 100;
            tick.begin(now);
            leases.touch(1, epoch(h, 1), now); // broker 1 heartbeats; broker 2 is dead
            fence = tick.nextCommand(h.image(), now);
            tick.end(now);
        }
        assertThat(fence).hasValueSatisfying(c -> assertThat(c.getFenceBroker().getBrokerId()).isEqualTo(2));
        // a session of running time, the ticks that end a pause not counted (their whole gap is forgiven)
        assertThat(running).as("fenced after a bounded time, pauses or not").isBetween(1_500L, 2_400L);
    }
}
