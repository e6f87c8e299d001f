package io.tributary.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.proto.metadata.v1.BrokerEndpoint;
import io.tributary.proto.metadata.v1.CreatePartitionsCommand;
import io.tributary.proto.metadata.v1.CreateTopicCommand;
import io.tributary.proto.metadata.v1.DeleteTopicCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.RegisterBrokerRecord;
import io.tributary.proto.metadata.v1.UnfenceBrokerCommand;
import io.tributary.proto.v1.ErrorCode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MetadataControllerTest {
    /** Drives the pure controller as the state machine does: generate, then apply at the next offset. */
    static final class Harness {
        final ClusterMetadata state = new ClusterMetadata("cluster-1");
        long offset;
        long proposals;

        MetadataCommandResult run(MetadataCommand command) {
            ControllerResult decided = MetadataController.generate(state.image(), command, "p" + (++proposals));
            return MetadataController.applyBatch(state, decided.toBatch(), ++offset);
        }

        MetadataImage image() {
            return state.image();
        }

        /** Unfences a registered broker as the active controller does once it heartbeats caught up. */
        MetadataCommandResult unfence(int id) {
            return run(MetadataCommand.newBuilder().setUnfenceBroker(UnfenceBrokerCommand.newBuilder()
                    .setBrokerId(id).setBrokerEpoch(image().brokers().get(id).brokerEpoch())).build());
        }
    }

    static MetadataCommand register(int id) {
        return MetadataCommand.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder().setBrokerId(id)
                .setIncarnationId("inc-" + id).setRack("rack-" + (id % 2))
                .addEndpoints(BrokerEndpoint.newBuilder().setName("CLIENT").setHost("127.0.0.1").setPort(9000 + id)))
                .build();
    }

    static MetadataCommand create(String name, int partitions, int rf, Map<String, String> configs) {
        return MetadataCommand.newBuilder().setCreateTopic(CreateTopicCommand.newBuilder().setName(name)
                .setNumPartitions(partitions).setReplicationFactor(rf).putAllConfigs(configs)).build();
    }

    static MetadataCommand delete(String name) {
        return MetadataCommand.newBuilder().setDeleteTopic(DeleteTopicCommand.newBuilder().setName(name)).build();
    }

    /** A harness with brokers 1..n registered and unfenced. */
    static Harness withBrokers(int n) {
        Harness h = new Harness();
        for (int i = 1; i <= n; i++) {
            assertThat(h.run(register(i)).getErrorCode()).isZero();
            assertThat(h.unfence(i).getErrorCode()).isZero();
        }
        return h;
    }

    private static void assertRejected(MetadataImage image, MetadataCommand command, ErrorCode code) {
        ControllerResult r = MetadataController.generate(image, command, "seed");
        assertThat(r.records()).isEmpty();
        assertThat(r.result().getErrorCode()).as(r.result().getErrorMessage()).isEqualTo(code.getNumber());
        assertThat(r.result().getErrorMessage()).isNotBlank();
    }

    @Test
    void rejectsBadCreatesWithPreciseCodesAndNoRecords() {
        Harness h = withBrokers(3);
        h.run(create("existing", 1, 1, Map.of()));
        MetadataImage image = h.image();
        assertRejected(image, create("", 1, 1, Map.of()), ErrorCode.INVALID_TOPIC_NAME);
        assertRejected(image, create("bad/name", 1, 1, Map.of()), ErrorCode.INVALID_TOPIC_NAME);
        assertRejected(image, create("..", 1, 1, Map.of()), ErrorCode.INVALID_TOPIC_NAME);
        assertRejected(image, create("x".repeat(250), 1, 1, Map.of()), ErrorCode.INVALID_TOPIC_NAME);
        assertRejected(image, create("t", 0, 1, Map.of()), ErrorCode.INVALID_PARTITIONS);
        assertRejected(image, create("t", 10001, 1, Map.of()), ErrorCode.INVALID_PARTITIONS);
        assertRejected(image, create("t", 1, 0, Map.of()), ErrorCode.INVALID_REPLICATION_FACTOR);
        assertRejected(image, create("t", 1, 4, Map.of()), ErrorCode.INVALID_REPLICATION_FACTOR);
        assertRejected(image, create("t", 1, 1, Map.of("no.such.config", "1")), ErrorCode.INVALID_CONFIG);
        assertRejected(image, create("t", 1, 1, Map.of("retention.ms", "-5")), ErrorCode.INVALID_CONFIG);
        assertRejected(image, create("t", 1, 2, Map.of("min.insync.replicas", "3")), ErrorCode.INVALID_CONFIG);
        assertRejected(image, MetadataCommand.newBuilder().setAlterConfigs(io.tributary.proto.metadata.v1
                .AlterConfigsCommand.newBuilder().setTopic("existing").putSet("min.insync.replicas", "2")).build(),
                ErrorCode.INVALID_CONFIG);
        assertRejected(image, create("existing", 1, 1, Map.of()), ErrorCode.TOPIC_ALREADY_EXISTS);
        assertRejected(image, delete("unknown"), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertRejected(image, MetadataCommand.getDefaultInstance(), ErrorCode.INVALID_REQUEST);
        assertRejected(image, MetadataCommand.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                .setBrokerId(-1).setIncarnationId("x")).build(), ErrorCode.INVALID_REQUEST);
        assertRejected(MetadataImage.EMPTY, create("t", 1, 1, Map.of()), ErrorCode.INVALID_REPLICATION_FACTOR);
    }

    @Test
    void rejectedCommandChangesNothingButTheVersion() {
        Harness h = withBrokers(1);
        MetadataImage before = h.image();
        MetadataCommandResult r = h.run(create("t", 0, 1, Map.of()));
        assertThat(r.getErrorCode()).isEqualTo(ErrorCode.INVALID_PARTITIONS.getNumber());
        assertThat(r.getLogIndex()).isEqualTo(h.offset);
        assertThat(h.image().brokers()).isEqualTo(before.brokers());
        assertThat(h.image().topicsByName()).isEqualTo(before.topicsByName());
        assertThat(h.image().version()).isEqualTo(before.version() + 1);
    }

    @Test
    void createProducesTopicPartitionAndConfigRecords() {
        Harness h = withBrokers(3);
        ControllerResult r = MetadataController.generate(h.image(),
                create("orders", 3, 2, Map.of("cleanup.policy", "compact", "retention.ms", "1000")), "seed-1");
        assertThat(r.isError()).isFalse();
        String topicId = r.result().getTopicId();
        assertThat(topicId).hasSize(22);
        assertThat(r.records()).hasSize(1 + 3 + 2);
        assertThat(r.records().get(0).getTopic().getName()).isEqualTo("orders");
        assertThat(r.records().get(0).getTopic().getTopicId()).isEqualTo(topicId);
        for (int p = 0; p < 3; p++) {
            var pr = r.records().get(1 + p).getPartition();
            assertThat(pr.getTopicId()).isEqualTo(topicId);
            assertThat(pr.getPartition()).isEqualTo(p);
            assertThat(pr.getReplicasList()).hasSize(2).doesNotHaveDuplicates();
            assertThat(pr.getIsrList()).isEqualTo(pr.getReplicasList());
            assertThat(pr.getLeader()).isEqualTo(pr.getReplicas(0));
            assertThat(pr.getLeaderEpoch()).isZero();
            assertThat(pr.getPartitionEpoch()).isZero();
        }
        assertThat(r.records().get(4).getConfig().getKey()).isEqualTo("cleanup.policy");
        assertThat(r.records().get(5).getConfig().getValue()).isEqualTo("1000");
        // same inputs, same output; another seed, another id
        assertThat(MetadataController.generate(h.image(),
                create("orders", 3, 2, Map.of("cleanup.policy", "compact", "retention.ms", "1000")), "seed-1"))
                .isEqualTo(r);
        assertThat(MetadataController.generate(h.image(), create("orders", 3, 2, Map.of()), "seed-2")
                .result().getTopicId()).isNotEqualTo(topicId);
    }

    @Test
    void validateOnlyCreateAnswersWithoutRecords() {
        Harness h = withBrokers(1);
        MetadataCommand cmd = MetadataCommand.newBuilder().setCreateTopic(CreateTopicCommand.newBuilder()
                .setName("t").setNumPartitions(1).setReplicationFactor(1).setValidateOnly(true)).build();
        ControllerResult r = MetadataController.generate(h.image(), cmd, "s");
        assertThat(r.isError()).isFalse();
        assertThat(r.records()).isEmpty();
    }

    @Test
    void replayBuildsTheImageAndDeleteRemovesTheTopic() {
        Harness h = withBrokers(2);
        MetadataCommandResult created = h.run(create("orders", 2, 2, Map.of("retention.ms", "1000")));
        assertThat(created.getErrorCode()).isZero();
        assertThat(created.getLogIndex()).isEqualTo(5); // 2 registrations, 2 unfences, the create
        MetadataImage image = h.image();
        assertThat(image.version()).isEqualTo(5);
        assertThat(image.clusterId()).isEqualTo("cluster-1");
        TopicImage topic = image.topic("orders").orElseThrow();
        assertThat(topic.topicId()).isEqualTo(created.getTopicId());
        assertThat(topic.partitions()).hasSize(2);
        assertThat(topic.partitions().get(0).replicas()).hasSize(2);
        assertThat(topic.configs()).isEqualTo(Map.of("retention.ms", "1000"));
        assertThat(topic.effectiveConfigs()).containsEntry("retention.ms", "1000").containsEntry("flush.policy", "ack");
        BrokerRegistration b1 = image.brokers().get(1);
        assertThat(b1.brokerEpoch()).isEqualTo(1);
        assertThat(b1.endpoints()).containsExactly(new Endpoint("CLIENT", "127.0.0.1", 9001));
        assertThat(b1.rack()).isEqualTo("rack-1");

        MetadataCommandResult deleted = h.run(delete("orders"));
        assertThat(deleted.getErrorCode()).isZero();
        assertThat(deleted.getTopicId()).isEqualTo(created.getTopicId());
        assertThat(h.image().topic("orders")).isEmpty();
        assertThat(h.run(delete("orders")).getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.getNumber());
    }

    @Test
    void reRegistrationReplacesTheBrokerWithANewEpoch() {
        Harness h = withBrokers(2);
        MetadataCommandResult again = h.run(register(1));
        assertThat(again.getBrokerEpoch()).isEqualTo(5);
        assertThat(h.image().brokers()).hasSize(2);
        assertThat(h.image().brokers().get(1).brokerEpoch()).isEqualTo(5);
        assertThat(h.image().brokers().get(1).fenced()).isTrue();
        assertThat(h.image().brokers().get(2).fenced()).isFalse();
    }

    @Test
    void conflictingCommandsValidatedConcurrentlyCannotBothSucceed() {
        Harness h = withBrokers(1);
        MetadataImage image = h.image();
        ControllerResult first = MetadataController.generate(image, create("t", 1, 1, Map.of()), "a");
        ControllerResult second = MetadataController.generate(image, create("t", 1, 1, Map.of()), "b");
        assertThat(MetadataController.applyBatch(h.state, first.toBatch(), ++h.offset).getErrorCode()).isZero();
        MetadataCommandResult lost = MetadataController.applyBatch(h.state, second.toBatch(), ++h.offset);
        assertThat(lost.getErrorCode()).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS.getNumber());
        assertThat(h.image().topic("t").orElseThrow().topicId()).isEqualTo(first.result().getTopicId());

        MetadataImage withTopic = h.image();
        ControllerResult del1 = MetadataController.generate(withTopic, delete("t"), "c");
        ControllerResult del2 = MetadataController.generate(withTopic, delete("t"), "d");
        assertThat(MetadataController.applyBatch(h.state, del1.toBatch(), ++h.offset).getErrorCode()).isZero();
        assertThat(MetadataController.applyBatch(h.state, del2.toBatch(), ++h.offset).getErrorCode())
                .isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.getNumber());
    }

    static MetadataCommand grow(String name, int total) {
        return MetadataCommand.newBuilder().setCreatePartitions(CreatePartitionsCommand.newBuilder().setTopic(name)
                .setTotalCount(total)).build();
    }

    @Test
    void aTopicGrowsItsPartitionsPlacedLikeTheFirstOnesAndNeverShrinks() {
        Harness h = withBrokers(3);
        assertThat(h.run(create("t", 2, 3, Map.of())).getErrorCode()).isZero();
        assertRejected(h.image(), grow("t", 2), ErrorCode.INVALID_PARTITIONS);
        assertRejected(h.image(), grow("t", 1), ErrorCode.INVALID_PARTITIONS);
        assertRejected(h.image(), grow("nope", 4), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

        assertThat(h.run(grow("t", 5)).getErrorCode()).isZero();
        TopicImage grown = h.image().topic("t").orElseThrow();
        assertThat(grown.numPartitions()).isEqualTo(5);
        Harness fresh = withBrokers(3);
        fresh.run(create("t", 5, 3, Map.of()));
        for (int p = 0; p < 5; p++) {
            assertThat(grown.partitions().get(p).replicas()).as("partition %d", p)
                    .isEqualTo(fresh.image().topic("t").orElseThrow().partitions().get(p).replicas());
            assertThat(grown.partitions().get(p).leader()).isNotEqualTo(PartitionRegistration.NO_LEADER);
        }
    }

    @Test
    void twoGrowthsDecidedOnTheSameImageCannotBothApply() {
        Harness h = withBrokers(1);
        h.run(create("t", 1, 1, Map.of()));
        MetadataImage image = h.image();
        ControllerResult first = MetadataController.generate(image, grow("t", 3), "a");
        ControllerResult second = MetadataController.generate(image, grow("t", 2), "b");
        assertThat(MetadataController.applyBatch(h.state, first.toBatch(), ++h.offset).getErrorCode()).isZero();
        assertThat(MetadataController.applyBatch(h.state, second.toBatch(), ++h.offset).getErrorCode())
                .isEqualTo(ErrorCode.INVALID_PARTITIONS.getNumber());
        assertThat(h.image().topic("t").orElseThrow().numPartitions()).isEqualTo(3);
    }

    @Test
    void replayRejectsRecordsThatDoNotFit() {
        ClusterMetadata state = new ClusterMetadata("c");
        state.replay(Records.topic("t", "id1"), 1);
        assertThatThrownBy(() -> state.replay(Records.topic("t", "id2"), 2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> state.replay(Records.removeTopic("nope"), 2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> state.replay(MetadataRecord.getDefaultInstance(), 2))
                .isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5})
    void placementSpreadsReplicasAndLeadersEvenly(int brokers) {
        Harness h = withBrokers(brokers);
        int rf = Math.min(3, brokers);
        int partitions = brokers * 4;
        assertThat(h.run(create("spread", partitions, rf, Map.of())).getErrorCode()).isZero();
        Map<Integer, Integer> replicaCount = new HashMap<>();
        Map<Integer, Integer> leaderCount = new HashMap<>();
        for (PartitionRegistration p : h.image().topic("spread").orElseThrow().partitions().values()) {
            assertThat(p.replicas()).hasSize(rf).doesNotHaveDuplicates();
            assertThat(p.leader()).isEqualTo(p.replicas().get(0));
            p.replicas().forEach(b -> replicaCount.merge(b, 1, Integer::sum));
            leaderCount.merge(p.leader(), 1, Integer::sum);
        }
        assertThat(replicaCount).hasSize(brokers);
        assertThat(replicaCount.values()).containsOnly(partitions * rf / brokers);
        assertThat(leaderCount.values()).containsOnly(partitions / brokers);
    }

    @Test
    void snapshotRecordsRebuildTheSameImage() {
        Harness h = withBrokers(3);
        h.run(create("a", 3, 3, Map.of("cleanup.policy", "compact")));
        h.run(create("b", 1, 1, Map.of()));
        h.run(delete("b"));
        ClusterMetadata rebuilt = new ClusterMetadata(h.state.clusterId());
        for (MetadataRecord r : h.state.toRecords()) {
            rebuilt.replay(r, h.offset);
        }
        rebuilt.advanceTo(h.offset);
        assertThat(rebuilt.image()).isEqualTo(h.image());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234})
    void seededCommandSequencesReplayToIdenticalImages(long seed) {
        List<MetadataCommand> commands = randomCommands(new Random(seed), 300);
        Harness a = new Harness();
        Harness b = new Harness();
        List<MetadataCommandResult> ra = commands.stream().map(a::run).toList();
        List<MetadataCommandResult> rb = commands.stream().map(b::run).toList();
        assertThat(rb).isEqualTo(ra);
        assertThat(b.image()).isEqualTo(a.image());
        assertThat(a.image().topicsByName()).isNotEmpty();
        // every topic id distinct
        assertThat(a.image().topicsByName().values().stream().map(TopicImage::topicId).distinct().count())
                .isEqualTo(a.image().topicsByName().size());
    }

    private static List<MetadataCommand> randomCommands(Random random, int count) {
        List<MetadataCommand> commands = new java.util.ArrayList<>();
        String[] keys = {"retention.ms", "cleanup.policy", "bogus.key", "min.insync.replicas"};
        String[] values = {"1000", "compact", "-7", "2"};
        for (int i = 0; i < count; i++) {
            int kind = random.nextInt(10);
            String name = "topic-" + random.nextInt(12);
            if (kind < 2) {
                commands.add(register(random.nextInt(6)));
            } else if (kind < 7) {
                Map<String, String> configs = new HashMap<>();
                if (random.nextBoolean()) {
                    configs.put(keys[random.nextInt(keys.length)], values[random.nextInt(values.length)]);
                }
                commands.add(create(name, random.nextInt(6), random.nextInt(4), configs));
            } else {
                commands.add(delete(name));
            }
        }
        return commands;
    }
}
