package io.tributary.metadata;

import static io.tributary.metadata.MetadataControllerTest.create;
import static io.tributary.metadata.MetadataControllerTest.register;
import static io.tributary.metadata.MetadataQuorumTest.await;
import static io.tributary.metadata.MetadataQuorumTest.freePort;
import static io.tributary.metadata.MetadataQuorumTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 (the chaos harness's lost-disk nemesis): a voter that comes back with an empty data
 * directory while the quorum lives on leaves the configuration and joins it again
 * ({@link EmptyMemberRejoin}); before, Ratis's leader never resent it the log (RATIS-2523) and it
 * waited for catch-up forever. It must catch up and count towards the quorum again.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LostMetadataDirTest {
    @TempDir
    Path dir;

    @Test
    void aVoterThatLostItsDirectoryCatchesUpAndVotesAgain() throws Exception {
        List<QuorumPeer> voters = List.of(new QuorumPeer(1, "127.0.0.1", freePort()),
                new QuorumPeer(2, "127.0.0.1", freePort()), new QuorumPeer(3, "127.0.0.1", freePort()));
        List<QuorumConfig> configs = voters.stream().map(v -> new QuorumConfig(v.id(), dir.resolve("n" + v.id()),
                voters, "c", 1000, 1500, () -> 0L)).toList();
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
            ok(leader, create("before", 3, 3, Map.of()));
            MetadataQuorum lost = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
            lost.awaitCaughtUp().get(20, TimeUnit.SECONDS);
            QuorumConfig lostConfig = configs.get(lost.nodeId() - 1);
            lost.close();
            nodes.remove(lost);
            deleteRecursively(lostConfig.dataDir());
            ok(leader, create("while-away", 1, 3, Map.of()));

            MetadataQuorum rejoined = MetadataQuorum.start(lostConfig);
            nodes.add(rejoined);
            rejoined.awaitCaughtUp().get(30, TimeUnit.SECONDS);
            assertThat(rejoined.image().topicsByName().keySet()).contains("before", "while-away");
            assertThat(rejoined.lostItsLog()).as("its broker side must treat its replicas as lost").isTrue();

            // Until the node has recorded what it lost, a restart still knows (and rejoins again).
            rejoined.close();
            nodes.remove(rejoined);
            MetadataQuorum again = MetadataQuorum.start(lostConfig);
            nodes.add(again);
            again.awaitCaughtUp().get(30, TimeUnit.SECONDS);
            assertThat(again.lostItsLog()).isTrue();

            // It counts again: with the third voter gone, the leader needs it to commit.
            MetadataQuorum third = nodes.stream().filter(n -> n != leader && n != again).findFirst().orElseThrow();
            third.close();
            nodes.remove(third);
            MetadataQuorum active = nodes.stream().filter(MetadataQuorum::isLeader).findFirst().orElse(leader);
            ok(active, create("after", 1, 2, Map.of()));
            await("the rejoined voter applies it", () -> again.image().topic("after").isPresent());

            again.lostLogRecorded();
            again.close();
            nodes.remove(again);
            MetadataQuorum recorded = MetadataQuorum.start(lostConfig);
            nodes.add(recorded);
            assertThat(recorded.lostItsLog()).as("recorded: later starts are ordinary").isFalse();
            recorded.awaitCaughtUp().get(30, TimeUnit.SECONDS);
            assertThat(recorded.image().topic("after")).isPresent();
        } finally {
            nodes.forEach(MetadataQuorum::close);
        }
    }

    private static void deleteRecursively(Path root) throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
