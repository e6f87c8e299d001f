package io.tributary.metadata;

import static io.tributary.metadata.MetadataControllerTest.create;
import static io.tributary.metadata.MetadataControllerTest.register;
import static io.tributary.metadata.MetadataQuorumTest.await;
import static io.tributary.metadata.MetadataQuorumTest.freePort;
import static io.tributary.metadata.MetadataQuorumTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.proto.metadata.v1.MetadataCommandResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A voter that was down while the others snapshotted and purged their logs past its last entry
 * catches up by installing the leader's snapshot (Ratis InstallSnapshot chunks, then
 * {@link MetadataStateMachine#reinitialize}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SnapshotCatchUpTest {
    private static final long SNAPSHOT_THRESHOLD = 10;
    private static final int TOPICS = 400;

    @TempDir
    Path dir;

    @Test
    void restartedVoterCatchesUpFromTheLeadersSnapshot() throws Exception {
        List<QuorumPeer> voters = List.of(new QuorumPeer(1, "127.0.0.1", freePort()),
                new QuorumPeer(2, "127.0.0.1", freePort()), new QuorumPeer(3, "127.0.0.1", freePort()));
        // A clock that never moves: no broker lease expires, so the controller appends nothing itself.
        List<QuorumConfig> configs = voters.stream().map(v -> new QuorumConfig(v.id(), dir.resolve("n" + v.id()),
                voters, "c", SNAPSHOT_THRESHOLD, 1500, () -> 0L)).toList();
        List<MetadataQuorum> nodes = new ArrayList<>();
        try {
            for (QuorumConfig c : configs) {
                nodes.add(MetadataQuorum.start(c));
            }
            await("a leader", () -> nodes.stream().filter(MetadataQuorum::isLeader).count() == 1);
            MetadataQuorum leader = nodes.stream().filter(MetadataQuorum::isLeader).findFirst().orElseThrow();
            for (int b = 1; b <= 3; b++) {
                ok(leader, register(b));
            }
            MetadataQuorum stopped = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
            MetadataCommandResult before = ok(leader, create("before", 2, 3, Map.of()));
            stopped.awaitCaughtUp().get(20, TimeUnit.SECONDS);
            long stoppedLastIndex = stopped.division().getRaftLog().getLastEntryTermIndex().getIndex();
            assertThat(stoppedLastIndex).isGreaterThanOrEqualTo(before.getLogIndex());
            QuorumConfig stoppedConfig = configs.get(stopped.nodeId() - 1);
            stopped.close();
            nodes.remove(stopped);

            List<CompletableFuture<MetadataCommandResult>> pending = new ArrayList<>();
            // Enough entries to fill and close a few log segments (16 KiB at this threshold).
            for (int i = 0; i < TOPICS; i++) {
                pending.add(leader.submit(create("t" + i, 2, 2, Map.of())));
            }
            for (CompletableFuture<MetadataCommandResult> f : pending) {
                assertThat(f.get(20, TimeUnit.SECONDS).getErrorCode()).isZero();
            }
            // Both live voters purged past the entries the stopped one lacks: only a snapshot can help it.
            await("purge past the stopped voter", () -> nodes.stream()
                    .allMatch(n -> n.division().getRaftLog().getStartIndex() > stoppedLastIndex + 1));
            long leaderStart = leader.division().getRaftLog().getStartIndex();

            MetadataQuorum restarted = MetadataQuorum.start(stoppedConfig);
            nodes.add(restarted);
            MetadataStateMachine sm = (MetadataStateMachine) restarted.division().getStateMachine();
            restarted.awaitCaughtUp().get(20, TimeUnit.SECONDS);
            // The same image, version included: snapshots are taken at the last command's entry.
            await("restarted voter converges", () -> restarted.image().equals(leader.image()));
            assertThat(restarted.image().topicsByName()).hasSize(TOPICS + 1);
            assertThat(sm.reinitializations()).as("snapshot installs").isGreaterThanOrEqualTo(1);
            assertThat(restarted.division().getRaftLog().getStartIndex()).isGreaterThanOrEqualTo(leaderStart);

            // It is a full voter again: with the other follower gone, it and the leader still commit.
            MetadataQuorum other = nodes.stream().filter(n -> n != leader && n != restarted).findFirst().orElseThrow();
            other.close();
            nodes.remove(other);
            MetadataCommandResult after = ok(leader, create("after", 1, 2, Map.of()));
            await("restarted voter applies new entries", () -> restarted.image().version() >= after.getLogIndex());
            assertThat(restarted.image()).isEqualTo(leader.image());
        } finally {
            nodes.forEach(MetadataQuorum::close);
        }
    }
}
