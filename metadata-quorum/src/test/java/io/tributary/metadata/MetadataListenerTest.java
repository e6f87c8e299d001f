package io.tributary.metadata;

import static io.tributary.metadata.MetadataControllerTest.create;
import static io.tributary.metadata.MetadataControllerTest.register;
import static io.tributary.metadata.MetadataQuorumTest.await;
import static io.tributary.metadata.MetadataQuorumTest.freePort;
import static io.tributary.metadata.MetadataQuorumTest.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.v1.BrokerHeartbeatRequest;
import io.tributary.proto.v1.ErrorCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broker-only nodes follow the metadata as Ratis LISTENERs: 3 voters and 2 listeners in one JVM on
 * loopback. Two listeners so that the quorum check discriminates: with one voter and both listeners
 * up, 3 of the 5 members are alive, a majority if listeners counted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetadataListenerTest {
    @TempDir
    Path dir;

    @Test
    void configKeepsVotersAndListenersApart() {
        List<QuorumPeer> voters = List.of(new QuorumPeer(1, "h", 1), new QuorumPeer(2, "h", 2));
        List<QuorumPeer> listeners = List.of(new QuorumPeer(4, "h", 4));
        QuorumConfig voter = new QuorumConfig(1, dir, voters, null, 10);
        assertThat(voter.listeners()).isEmpty();
        assertThat(voter.isListener()).isFalse();
        assertThat(voter.withListeners(listeners).withBrokerSessionTimeoutMs(7).listeners()).isEqualTo(listeners);
        QuorumConfig listener = new QuorumConfig(4, dir, voters, listeners, null, 10, 1500, () -> 0L);
        assertThat(listener.isListener()).isTrue();
        assertThat(listener.self()).isEqualTo(listeners.get(0));
        assertThatThrownBy(() -> new QuorumConfig(5, dir, voters, listeners, null, 10, 1500, () -> 0L))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QuorumConfig(1, dir, voters, List.of(new QuorumPeer(2, "h", 9)), null, 10, 1500,
                () -> 0L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QuorumConfig(4, dir, voters, null, 10))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void listenersFollowSubmitAndNeverVote() throws Exception {
        List<QuorumPeer> voters = List.of(new QuorumPeer(1, "127.0.0.1", freePort()),
                new QuorumPeer(2, "127.0.0.1", freePort()), new QuorumPeer(3, "127.0.0.1", freePort()));
        List<QuorumPeer> listeners = List.of(new QuorumPeer(4, "127.0.0.1", freePort()),
                new QuorumPeer(5, "127.0.0.1", freePort()));
        Map<Integer, QuorumConfig> configs = new TreeMap<>();
        for (QuorumPeer p : voters) {
            configs.put(p.id(), new QuorumConfig(p.id(), dir.resolve("n" + p.id()), voters, null, 1000, 1500, () -> 0L)
                    .withListeners(listeners));
        }
        for (QuorumPeer p : listeners) {
            configs.put(p.id(), new QuorumConfig(p.id(), dir.resolve("n" + p.id()), voters, listeners, null, 1000,
                    1500, () -> 0L));
        }
        List<MetadataQuorum> nodes = new ArrayList<>();
        try {
            for (QuorumConfig c : configs.values()) {
                nodes.add(MetadataQuorum.start(c));
            }
            MetadataQuorum listener = nodes.get(3);
            MetadataQuorum otherListener = nodes.get(4);
            assertThat(listener.nodeId()).isEqualTo(4);
            await("a leader", () -> nodes.stream().filter(MetadataQuorum::isLeader).count() == 1);
            MetadataQuorum leader = nodes.stream().filter(MetadataQuorum::isLeader).findFirst().orElseThrow();
            assertThat(leader.nodeId()).isBetween(1, 3);
            assertThat(listener.division().getInfo().getCurrentRole()).isEqualTo(RaftPeerRole.LISTENER);
            assertThat(leader.division().getRaftConf().getAllPeers(RaftPeerRole.LISTENER).stream()
                    .map(RaftPeer::getId).map(Object::toString).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder("n4", "n5");
            assertThat(leader.division().getRaftConf().getAllPeers(RaftPeerRole.FOLLOWER)).hasSize(3);
            await("the listener knows the leader", () -> listener.leaderId().orElse(-1) == leader.nodeId());

            // Commands submitted through a listener are routed to the leader.
            List<MetadataImage> seen = new CopyOnWriteArrayList<>();
            listener.addListener(seen::add);
            for (int b = 1; b <= 3; b++) {
                ok(listener, register(b));
            }
            MetadataCommandResult created = ok(listener, create("through-listener", 3, 3, Map.of()));
            MetadataCommandResult dup = listener.submit(create("through-listener", 1, 1, Map.of()))
                    .get(20, TimeUnit.SECONDS);
            assertThat(dup.getErrorCode()).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS.getNumber());
            listener.awaitCaughtUp().get(20, TimeUnit.SECONDS);
            assertThat(listener.image().version()).isGreaterThanOrEqualTo(dup.getLogIndex());
            assertThat(listener.image().topic("through-listener").orElseThrow().topicId())
                    .isEqualTo(created.getTopicId());
            assertThat(seen).isNotEmpty();
            assertThat(seen.get(seen.size() - 1)).isEqualTo(listener.image());
            await("all five converge", () -> nodes.stream().allMatch(n -> n.image().equals(leader.image())));
            assertThat(listener.isLeader()).isFalse();
            assertThat(listener.handleBrokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(1)
                    .setBrokerEpoch(1).build()).get(5, TimeUnit.SECONDS).getErrorCode())
                    .isEqualTo(ErrorCode.NOT_CONTROLLER);
            assertThat(leader.describeQuorum().voters()).hasSize(3)
                    .allSatisfy(v -> assertThat(v.matchIndex()).isGreaterThanOrEqualTo(0));

            // Closing the leader: the two remaining voters elect one of themselves; listeners follow.
            leader.close();
            nodes.remove(leader);
            await("a new leader", () -> nodes.stream().filter(MetadataQuorum::isLeader).count() == 1);
            MetadataQuorum second = nodes.stream().filter(MetadataQuorum::isLeader).findFirst().orElseThrow();
            assertThat(second.nodeId()).isBetween(1, 3).isNotEqualTo(leader.nodeId());
            await("listeners know the new leader", () -> listener.leaderId().orElse(-1) == second.nodeId()
                    && otherListener.leaderId().orElse(-1) == second.nodeId());
            MetadataCommandResult afterFailover = ok(listener, create("after-failover", 1, 2, Map.of()));
            await("listeners apply after the failover", () -> listener.image().version() >= afterFailover.getLogIndex()
                    && otherListener.image().version() >= afterFailover.getLogIndex());
            assertThat(listener.image()).isEqualTo(second.image());

            // A listener restarted on its data dir comes back as a listener (its role now comes from the log).
            listener.close();
            nodes.remove(listener);
            MetadataQuorum restarted = MetadataQuorum.start(configs.get(4));
            nodes.add(restarted);
            assertThat(restarted.division().getInfo().getCurrentRole()).isEqualTo(RaftPeerRole.LISTENER);
            restarted.awaitCaughtUp().get(20, TimeUnit.SECONDS);
            assertThat(restarted.image()).isEqualTo(second.image());

            // Listeners are not quorum: one voter and two listeners (3 of 5 members) cannot commit.
            MetadataQuorum third = nodes.stream().filter(n -> n.nodeId() <= 3 && n != second).findFirst().orElseThrow();
            third.close();
            nodes.remove(third);
            long termBefore = restarted.division().getInfo().getCurrentTerm();
            long versionBefore = restarted.image().version();
            long commitBefore = second.division().getRaftLog().getLastCommittedIndex();
            CompletableFuture<MetadataCommandResult> stuck = restarted.submit(create("no-quorum", 1, 1, Map.of()));
            // Pending until the client gives up (or failed already, once the voter stepped down): never committed.
            assertThatThrownBy(() -> stuck.get(4, TimeUnit.SECONDS))
                    .isInstanceOfAny(TimeoutException.class, ExecutionException.class);
            assertThat(second.division().getRaftLog().getLastCommittedIndex()).isEqualTo(commitBefore);
            assertThat(restarted.image().version()).isEqualTo(versionBefore);
            assertThat(restarted.image().topic("no-quorum")).isEmpty();
            // The listeners never campaigned: still listeners, no new term from them.
            for (MetadataQuorum l : List.of(restarted, otherListener)) {
                assertThat(l.division().getInfo().getCurrentRole()).isEqualTo(RaftPeerRole.LISTENER);
                assertThat(l.isLeader()).isFalse();
            }
            assertThat(restarted.division().getInfo().getCurrentTerm()).isEqualTo(termBefore);
            stuck.cancel(true);
        } finally {
            nodes.forEach(MetadataQuorum::close);
        }
    }
}
