package io.tributary.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.proto.metadata.v1.BrokerEndpoint;
import io.tributary.proto.metadata.v1.CreateTopicCommand;
import io.tributary.proto.metadata.v1.ElectPreferredLeadersCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataRecordBatch;
import io.tributary.proto.metadata.v1.RegisterBrokerRecord;
import io.tributary.proto.v1.BrokerHeartbeatRequest;
import io.tributary.proto.v1.BrokerHeartbeatResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded simulation of the pure active controller (STYLE 9, 10): N brokers register, heartbeat,
 * crash, pause, return and shut down under a fake clock; commands are decided on the image of the
 * moment and applied later, in order (as Ratis pipelines them), so concurrent decisions conflict.
 * Invariants are checked after every event; a final liveness phase heals every broker and requires
 * every partition to have a leader. Everything follows from the seed: a failure prints it and the
 * last events, and re-running that (brokers, seed) case reproduces it exactly.
 */
class ControllerSimulationTest {
    static final long SESSION_MS = 1500;
    static final long HEARTBEAT_MS = 250;
    static final int EVENTS = 300;

    static Stream<Arguments> cases() {
        // -Dtributary.sim.seeds=N runs more seeds per cluster size than CI's 100
        long seeds = Long.getLong("tributary.sim.seeds", 100);
        return Stream.of(3, 5).flatMap(n -> Stream.iterate(1L, s -> s + 1).limit(seeds).map(s -> Arguments.of(n, s)));
    }

    @ParameterizedTest(name = "brokers={0} seed={1}")
    @MethodSource("cases")
    void controllerKeepsItsInvariantsUnderRandomFaults(int brokers, long seed) {
        Simulation sim = new Simulation(brokers, seed);
        try {
            sim.run(EVENTS);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("simulation failed: brokers=" + brokers + " seed=" + seed + "\nlast events:\n"
                    + String.join("\n", sim.trace), e);
        }
    }

    /** A broker process as the controller sees it through its requests. */
    static final class Proc {
        boolean alive;
        long epoch = -1;
        boolean wantShutdown;
        boolean laggingMetadata;
        long lastHeartbeatMs;
        int incarnation;
    }

    static final class Simulation {
        final int brokers;
        final Random random;
        final ClusterMetadata state = new ClusterMetadata("sim");
        final BrokerHeartbeatManager leases = new BrokerHeartbeatManager(SESSION_MS);
        final ControllerTick controllerTick = new ControllerTick(leases);
        final Deque<MetadataRecordBatch> log = new ArrayDeque<>(); // decided, not yet applied
        final Map<Integer, Proc> procs = new HashMap<>();
        final Map<String, Integer> leaderOfEpoch = new HashMap<>(); // topic/partition/leaderEpoch -> leader
        final Map<String, int[]> lastEpochs = new HashMap<>();
        final Deque<String> trace = new ArrayDeque<>();
        long nowMs;
        long offset;
        long proposals;
        int topics;

        Simulation(int brokers, long seed) {
            this.brokers = brokers;
            this.random = new Random(seed);
            for (int b = 1; b <= brokers; b++) {
                procs.put(b, new Proc());
            }
            leases.activate(nowMs);
        }

        void run(int events) {
            for (int b = 1; b <= brokers; b++) {
                restart(b);
            }
            for (int i = 0; i < events; i++) {
                step(i);
                checkSafety();
            }
            heal();
        }

        void step(int i) {
            int b = 1 + random.nextInt(brokers);
            Proc p = procs.get(b);
            int dice = random.nextInt(100);
            if (dice < 35) {
                advance(1 + random.nextInt(400));
            } else if (dice < 50) {
                tick();
            } else if (dice < 57) {
                note("crash " + b);
                p.alive = false;
            } else if (dice < 62) {
                if (!p.alive && p.epoch >= 0 && !p.wantShutdown) {
                    note("resume " + b + " (same epoch)");
                    p.alive = true;
                }
            } else if (dice < 69) {
                if (!p.alive) {
                    restart(b);
                }
            } else if (dice < 73) {
                if (p.alive && p.epoch >= 0) {
                    note("controlled shutdown " + b);
                    p.wantShutdown = true;
                    heartbeat(b);
                }
            } else if (dice < 80) {
                createTopic();
            } else if (dice < 83) {
                note("elect preferred");
                propose(MetadataCommand.newBuilder().setElectPreferredLeaders(ElectPreferredLeadersCommand
                        .getDefaultInstance()).build());
            } else if (dice < 85) {
                note("controller failover");
                applyAll();
                leases.activate(nowMs);
            } else if (dice < 88) {
                p.laggingMetadata = !p.laggingMetadata;
            } else {
                applySome();
            }
        }

        void restart(int b) {
            Proc p = procs.get(b);
            p.alive = true;
            p.wantShutdown = false;
            p.incarnation++;
            note("restart " + b);
            MetadataCommand register = MetadataCommand.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                    .setBrokerId(b).setIncarnationId("b" + b + "-" + p.incarnation)
                    .addEndpoints(BrokerEndpoint.newBuilder().setName("CLIENT").setHost("h" + b).setPort(9000 + b)))
                    .build();
            applyAll(); // a registration waits for its answer: the broker learns its epoch from it
            ControllerResult decided = MetadataController.generate(state.image(), register, "p" + (++proposals));
            var result = MetadataController.applyBatch(state, decided.toBatch(), ++offset);
            p.epoch = result.getErrorCode() == 0 ? result.getBrokerEpoch() : -1;
            p.lastHeartbeatMs = nowMs - HEARTBEAT_MS;
        }

        void advance(long ms) {
            long until = nowMs + ms;
            while (true) {
                long next = Long.MAX_VALUE;
                int who = -1;
                for (int b = 1; b <= brokers; b++) {
                    Proc p = procs.get(b);
                    if (p.alive && p.epoch >= 0 && p.lastHeartbeatMs + HEARTBEAT_MS < next) {
                        next = p.lastHeartbeatMs + HEARTBEAT_MS;
                        who = b;
                    }
                }
                if (who < 0 || next > until) {
                    break;
                }
                nowMs = Math.max(nowMs, next);
                if (random.nextInt(10) == 0) {
                    procs.get(who).lastHeartbeatMs = nowMs; // this heartbeat is lost
                } else {
                    heartbeat(who);
                }
            }
            nowMs = until;
        }

        void heartbeat(int b) {
            Proc p = procs.get(b);
            p.lastHeartbeatMs = nowMs;
            MetadataImage image = state.image();
            BrokerHeartbeatRequest request = BrokerHeartbeatRequest.newBuilder().setBrokerId(b).setBrokerEpoch(p.epoch)
                    .setMetadataOffset(p.laggingMetadata ? p.epoch - 1 : image.version())
                    .setWantShutdown(p.wantShutdown).build();
            if (BrokerControlManager.heartbeatError(image, request).isPresent()) {
                note("heartbeat " + b + " rejected: stale epoch " + p.epoch + "; re-registering");
                restart(b);
                return;
            }
            leases.touch(b, p.epoch, nowMs);
            BrokerControlManager.heartbeatCommand(image, request).ifPresent(this::propose);
            if (random.nextBoolean()) {
                applyAll();
            }
            BrokerHeartbeatResponse response = BrokerControlManager.heartbeatResponse(state.image(), request);
            if (response.getShouldShutdown()) {
                note("broker " + b + " stopped after controlled shutdown");
                p.alive = false;
                p.wantShutdown = false;
                p.epoch = -1; // it registers again when it comes back
            }
        }

        void tick() {
            note("tick at " + nowMs);
            applyAll(); // the commands in flight reach the log first
            // The production tick: each command decided on the image the previous one made.
            controllerTick.begin(nowMs);
            for (var next = controllerTick.nextCommand(state.image(), nowMs); next.isPresent();
                 next = controllerTick.nextCommand(state.image(), nowMs)) {
                propose(next.get());
                applyAll();
            }
            controllerTick.end(nowMs);
            checkLiveness();
        }

        void createTopic() {
            int registered = state.image().brokers().size();
            if (registered == 0) {
                return;
            }
            int rf = 1 + random.nextInt(Math.min(3, registered));
            CreateTopicCommand.Builder create = CreateTopicCommand.newBuilder().setName("t" + (topics++))
                    .setNumPartitions(1 + random.nextInt(6)).setReplicationFactor(rf);
            if (random.nextInt(5) == 0) {
                create.putConfigs("unclean.leader.election.enable", "true");
            }
            note("create " + create.getName() + " partitions=" + create.getNumPartitions() + " rf=" + rf);
            propose(MetadataCommand.newBuilder().setCreateTopic(create).build());
        }

        void propose(MetadataCommand command) {
            ControllerResult decided = MetadataController.generate(state.image(), command, "p" + (++proposals));
            note("  decide " + command.getCommandCase() + " -> " + decided.records().size() + " records"
                    + (decided.isError() ? " " + decided.result().getErrorMessage() : ""));
            log.add(decided.toBatch());
        }

        void applySome() {
            int n = random.nextInt(log.size() + 1);
            for (int i = 0; i < n; i++) {
                applyOne();
            }
        }

        void applyAll() {
            while (!log.isEmpty()) {
                applyOne();
            }
        }

        void applyOne() {
            var result = MetadataController.applyBatch(state, log.poll(), ++offset);
            if (result.getErrorCode() != 0) {
                note("  applied @" + offset + ": " + result.getErrorMessage());
            }
            checkSafety();
        }

        /** The liveness phase: every broker comes back and heartbeats; every partition must get a leader. */
        void heal() {
            note("heal");
            for (int b = 1; b <= brokers; b++) {
                Proc p = procs.get(b);
                p.laggingMetadata = false;
                if (!p.alive || p.wantShutdown || p.epoch < 0) {
                    restart(b);
                }
            }
            for (int round = 0; round < 10; round++) {
                advance(HEARTBEAT_MS);
                applyAll();
                tick();
            }
            MetadataImage image = state.image();
            assertThat(image.brokers().values()).as("every broker unfenced after healing")
                    .allSatisfy(b -> assertThat(b.fenced()).as("broker " + b.brokerId()).isFalse());
            for (TopicImage t : image.topicsByName().values()) {
                for (PartitionRegistration p : t.partitions().values()) {
                    assertThat(p.leader()).as(t.name() + "-" + p.partition() + " has a leader after healing: " + p)
                            .isNotEqualTo(PartitionRegistration.NO_LEADER);
                }
            }
            propose(MetadataCommand.newBuilder().setElectPreferredLeaders(ElectPreferredLeadersCommand
                    .getDefaultInstance()).build());
            applyAll();
            for (TopicImage t : state.image().topicsByName().values()) {
                for (PartitionRegistration p : t.partitions().values()) {
                    if (p.isr().contains(p.replicas().get(0))) {
                        assertThat(p.leader()).as("preferred leader of " + t.name() + "-" + p.partition())
                                .isEqualTo(p.replicas().get(0));
                    }
                }
            }
        }

        void checkSafety() {
            MetadataImage image = state.image();
            for (TopicImage t : image.topicsByName().values()) {
                for (PartitionRegistration p : t.partitions().values()) {
                    String where = t.name() + "-" + p.partition() + " " + p;
                    assertThat(p.isr()).as("ISR of " + where).isNotEmpty().doesNotHaveDuplicates();
                    assertThat(p.replicas()).as("ISR within replicas of " + where).containsAll(p.isr());
                    if (p.hasLeader()) {
                        assertThat(p.isr()).as("leader in ISR of " + where).contains(p.leader());
                        assertThat(image.isEligibleLeader(p.leader())).as("leader unfenced: " + where).isTrue();
                    }
                    String key = t.topicId() + "/" + p.partition();
                    Integer before = leaderOfEpoch.putIfAbsent(key + "/" + p.leaderEpoch(), p.leader());
                    assertThat(before == null ? p.leader() : before).as("one leader per epoch of " + where)
                            .isEqualTo(p.leader());
                    int[] last = lastEpochs.put(key, new int[] {p.leaderEpoch(), p.partitionEpoch()});
                    if (last != null) {
                        assertThat(p.leaderEpoch()).as("leader epoch of " + where).isGreaterThanOrEqualTo(last[0]);
                        assertThat(p.partitionEpoch()).as("partition epoch of " + where)
                                .isGreaterThanOrEqualTo(last[1]);
                    }
                }
            }
        }

        /** After a tick: no partition is leaderless while a replica it may elect is eligible. */
        void checkLiveness() {
            MetadataImage image = state.image();
            for (TopicImage t : image.topicsByName().values()) {
                boolean unclean = BrokerControlManager.uncleanElectionEnabled(t);
                for (PartitionRegistration p : t.partitions().values()) {
                    if (!p.hasLeader()) {
                        List<Integer> candidates = new ArrayList<>(unclean ? p.replicas() : p.isr());
                        candidates.removeIf(id -> !image.isEligibleLeader(id));
                        assertThat(candidates).as("leaderless " + t.name() + "-" + p.partition() + " " + p
                                + " although these could lead").isEmpty();
                    }
                }
            }
            // and no unfenced broker outlived its lease
            for (BrokerRegistration b : image.brokers().values()) {
                if (!b.fenced()) {
                    assertThat(nowMs - leases.lastSeenMs(b.brokerId(), b.brokerEpoch()))
                            .as("lease of unfenced broker " + b.brokerId()).isLessThanOrEqualTo(SESSION_MS);
                }
            }
        }

        void note(String event) {
            trace.add("[" + nowMs + " ms] " + event);
            if (trace.size() > 40) {
                trace.poll();
            }
        }
    }
}
