package io.tributary.metadata;

import static io.tributary.metadata.MetadataControllerTest.create;
import static io.tributary.metadata.MetadataControllerTest.delete;
import static io.tributary.metadata.MetadataControllerTest.register;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.v1.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetadataQuorumTest {
    @TempDir
    Path dir;

    static int freePort() throws IOException {
        return UnusedPorts.pick("127.0.0.1");
    }

    static MetadataCommandResult ok(MetadataQuorum q, MetadataCommand command) throws Exception {
        MetadataCommandResult r = q.submit(command).get(20, TimeUnit.SECONDS);
        assertThat(r.getErrorCode()).as(r.getErrorMessage()).isZero();
        return r;
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private QuorumConfig singleVoter(long snapshotThreshold) throws IOException {
        return new QuorumConfig(1, dir.resolve("node1"), List.of(new QuorumPeer(1, "127.0.0.1", freePort())),
                "test-cluster", snapshotThreshold);
    }

    @Test
    void singleVoterSurvivesRestartByReplayingTheLog() throws Exception {
        QuorumConfig config = singleVoter(100_000);
        MetadataImage before;
        try (MetadataQuorum q = MetadataQuorum.start(config)) {
            assertThat(q.isLeader()).isTrue();
            assertThat(q.leaderId()).hasValue(1);
            List<MetadataImage> seen = new ArrayList<>();
            q.addListener(seen::add);
            MetadataCommandResult reg = ok(q, register(1));
            assertThat(reg.getBrokerEpoch()).isEqualTo(reg.getLogIndex()).isPositive();
            MetadataCommandResult orders = ok(q, create("orders", 3, 1, Map.of("retention.ms", "1000")));
            ok(q, create("events", 2, 1, Map.of()));
            ok(q, create("doomed", 1, 1, Map.of()));
            ok(q, delete("doomed"));
            MetadataCommandResult dup = q.submit(create("orders", 1, 1, Map.of())).get(20, TimeUnit.SECONDS);
            assertThat(dup.getErrorCode()).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS.getNumber());
            MetadataCommandResult badRf = q.submit(create("x", 1, 2, Map.of())).get(20, TimeUnit.SECONDS);
            assertThat(badRf.getErrorCode()).isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR.getNumber());
            MetadataCommandResult unknown = q.submit(delete("nope")).get(20, TimeUnit.SECONDS);
            assertThat(unknown.getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.getNumber());

            before = q.image();
            assertThat(before.version()).isGreaterThanOrEqualTo(unknown.getLogIndex());
            assertThat(before.clusterId()).isEqualTo("test-cluster");
            assertThat(before.topicsByName().keySet()).containsExactly("events", "orders");
            assertThat(before.topic("orders").orElseThrow().topicId()).isEqualTo(orders.getTopicId());
            assertThat(before.topic("orders").orElseThrow().partitions()).hasSize(3);
            assertThat(before.brokers()).containsKey(1);
            assertThat(seen).isNotEmpty();
            assertThat(seen.get(seen.size() - 1)).isEqualTo(before);
        }
        try (MetadataQuorum q = MetadataQuorum.start(config)) {
            await("log replay", () -> q.image().version() >= before.version());
            assertThat(q.image().brokers()).isEqualTo(before.brokers());
            assertThat(q.image().topicsByName()).isEqualTo(before.topicsByName());
            assertThat(q.image().clusterId()).isEqualTo("test-cluster");
            // still writable after the restart
            ok(q, create("after-restart", 1, 1, Map.of()));
        }
    }

    @Test
    void snapshotBoundsTheLogAndRestoresTheImage() throws Exception {
        QuorumConfig config = singleVoter(20);
        MetadataImage before;
        long startIndex;
        try (MetadataQuorum q = MetadataQuorum.start(config)) {
            ok(q, register(1));
            ok(q, register(2));
            List<CompletableFuture<MetadataCommandResult>> pending = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                pending.add(q.submit(create("t" + i, 2, 2, Map.of("cleanup.policy", "compact"))));
            }
            for (CompletableFuture<MetadataCommandResult> f : pending) {
                assertThat(f.get(30, TimeUnit.SECONDS).getErrorCode()).isZero();
            }
            for (int i = 0; i < 150; i += 3) {
                ok(q, delete("t" + i));
            }
            before = q.image();
            await("log purge", () -> q.division().getRaftLog().getStartIndex() > 0);
            startIndex = q.division().getRaftLog().getStartIndex();
            assertThat(q.division().getStateMachine().getLatestSnapshot().getIndex()).isGreaterThan(startIndex);
        }
        Path smDir;
        try (Stream<Path> files = Files.walk(config.dataDir())) {
            List<Path> snapshots = files.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))
                    .toList();
            assertThat(snapshots).isNotEmpty().hasSizeLessThanOrEqualTo(2);
            smDir = snapshots.get(0).getParent();
        }
        assertThat(smDir).isDirectory();
        try (MetadataQuorum q = MetadataQuorum.start(config)) {
            await("restore", () -> q.image().version() >= before.version());
            assertThat(q.image().topicsByName()).isEqualTo(before.topicsByName());
            assertThat(q.image().brokers()).isEqualTo(before.brokers());
            assertThat(q.image().topicsByName()).hasSize(100);
            assertThat(q.division().getRaftLog().getStartIndex()).isGreaterThanOrEqualTo(startIndex);
        }
    }

    /**
     * Starts three voters on 127.0.0.1, each in {@code dir}/n{id}, adding each to {@code nodes} as
     * it starts (the caller closes them, also after a failed start); returns the voters.
     */
    static List<QuorumPeer> startThreeVoters(Path dir, List<MetadataQuorum> nodes) throws IOException {
        List<QuorumPeer> voters = List.of(new QuorumPeer(1, "127.0.0.1", freePort()),
                new QuorumPeer(2, "127.0.0.1", freePort()), new QuorumPeer(3, "127.0.0.1", freePort()));
        for (QuorumPeer v : voters) {
            nodes.add(MetadataQuorum.start(new QuorumConfig(v.id(), dir.resolve("n" + v.id()), voters, null, 1000)));
        }
        return voters;
    }

    @Test
    void threeVotersConvergeAndAnswerThroughAnyNode() throws Exception {
        List<MetadataQuorum> nodes = new ArrayList<>();
        try {
            List<QuorumPeer> voters = startThreeVoters(dir, nodes);
            await("a leader", () -> nodes.stream().filter(MetadataQuorum::isLeader).count() == 1);
            int leader = nodes.stream().filter(MetadataQuorum::isLeader).findFirst().orElseThrow().nodeId();
            await("all know the leader", () -> nodes.stream().allMatch(n -> n.leaderId().orElse(-1) == leader));
            for (MetadataQuorum n : nodes) {
                ok(n, register(n.nodeId())); // submitted through followers too
            }
            MetadataCommandResult created = ok(nodes.get(0), create("replicated", 6, 3, Map.of("min.insync.replicas", "2")));
            MetadataCommandResult dup = nodes.get(2).submit(create("replicated", 1, 1, Map.of())).get(20, TimeUnit.SECONDS);
            assertThat(dup.getErrorCode()).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS.getNumber());
            await("convergence", () -> nodes.stream().allMatch(n -> n.image().version() >= dup.getLogIndex()));
            MetadataImage image = nodes.get(0).image();
            assertThat(image.clusterId()).isEqualTo(MetadataQuorum.deriveClusterId(voters));
            for (MetadataQuorum n : nodes) {
                assertThat(n.image().topicsByName()).isEqualTo(image.topicsByName());
                assertThat(n.image().brokers()).isEqualTo(image.brokers());
            }
            TopicImage topic = image.topic("replicated").orElseThrow();
            assertThat(topic.topicId()).isEqualTo(created.getTopicId());
            assertThat(topic.partitions().values()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
            assertThat(image.brokers()).hasSize(3);
        } finally {
            nodes.forEach(MetadataQuorum::close);
        }
    }

    /**
     * With no leader reachable, requests pile up waiting for one. Ratis's ordered client would then
     * block the submitting thread (gRPC event loops and timers call submit); instead the requests
     * beyond the window fail at once with a typed error, and nothing blocks.
     */
    @Test
    void aVoterWithoutQuorumRefusesExcessRequestsInsteadOfBlocking() throws Exception {
        List<QuorumPeer> voters = List.of(new QuorumPeer(1, "127.0.0.1", freePort()),
                new QuorumPeer(2, "127.0.0.1", freePort()), new QuorumPeer(3, "127.0.0.1", freePort()));
        try (MetadataQuorum alone = MetadataQuorum.start(new QuorumConfig(1, dir.resolve("n1"), voters, null, 1000))) {
            List<CompletableFuture<MetadataCommandResult>> submitted = new ArrayList<>();
            for (int i = 0; i < QuorumClient.MAX_OUTSTANDING + 10; i++) {
                submitted.add(alone.submit(create("t" + i, 1, 1, Map.of())));
            }
            assertThat(submitted.subList(0, QuorumClient.MAX_OUTSTANDING)).as("waiting for a leader")
                    .noneMatch(CompletableFuture::isDone);
            for (CompletableFuture<MetadataCommandResult> refused : submitted.subList(QuorumClient.MAX_OUTSTANDING,
                    submitted.size())) {
                assertThat(refused).isCompletedExceptionally();
                assertThatThrownBy(refused::join).hasCauseInstanceOf(QuorumUnavailableException.class);
            }
        }
    }

    /**
     * A request that exhausted its retries while no leader existed makes Ratis's ordered client
     * close its window for good; the client is replaced, so requests after the quorum heals work.
     */
    @Test
    void aRequestThatGaveUpDoesNotBreakLaterOnes() throws Exception {
        List<QuorumPeer> voters = List.of(new QuorumPeer(1, "127.0.0.1", freePort()),
                new QuorumPeer(2, "127.0.0.1", freePort()), new QuorumPeer(3, "127.0.0.1", freePort()));
        List<MetadataQuorum> nodes = new ArrayList<>();
        QuorumConfig first = new QuorumConfig(1, dir.resolve("n1"), voters, null, 1000);
        try {
            nodes.add(MetadataQuorum.start(first));
            try (QuorumClient client = new QuorumClient(MetadataQuorum.raftProperties(first, dir.resolve("client")),
                    MetadataQuorum.raftGroup(first), 1_000)) {
                assertThatThrownBy(() -> client.write(message(register(1))).join())
                        .hasCauseInstanceOf(QuorumNoAnswerException.class)
                        .satisfies(e -> assertThat(e.getCause().getCause()).isInstanceOf(RaftRetryFailureException.class));
                for (QuorumPeer v : voters.subList(1, 3)) {
                    nodes.add(MetadataQuorum.start(new QuorumConfig(v.id(), dir.resolve("n" + v.id()), voters, null, 1000)));
                }
                await("a leader", () -> nodes.stream().anyMatch(MetadataQuorum::isLeader));
                RaftClientReply reply = client.write(message(register(1))).get(20, TimeUnit.SECONDS);
                assertThat(reply.isSuccess()).as("after the quorum healed").isTrue();
            }
        } finally {
            nodes.forEach(MetadataQuorum::close);
        }
    }

    private static Message message(MetadataCommand command) {
        return Message.valueOf(ByteString.copyFrom(command.toByteArray()));
    }
}
