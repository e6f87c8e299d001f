package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.cli.local.LocalProcessCluster;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node restarted while it cannot reach a quorum (the others down, or it is cut off) waits for the
 * metadata quorum however long that takes, saying so, and joins once the quorum is back: it used to
 * give up after 60 s and exit (issue 9, chaos finding "restart into a partition").
 */
class RestartWithoutQuorumTest {
    @TempDir
    Path root;

    @Test
    void aNodeStartedWithoutAQuorumWaitsAndJoinsWhenTheQuorumReturns() throws Exception {
        try (LocalProcessCluster cluster = LocalProcessCluster.create(root, 3, List.of())) {
            cluster.startAll();
            try (Admin admin = Admin.create(List.of(cluster.bootstrap().split(",")), Duration.ofSeconds(5))) {
                assertThat(admin.createTopic(new NewTopic("kept", 3, 3, Map.of())).isSuccess()).isTrue();
            }
            cluster.kill9All();

            cluster.launch(1); // alone: no quorum to catch up with
            Path log = cluster.node(1).log();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                String sinceStart = Files.readString(log).substring(Files.readString(log).lastIndexOf("=== start"));
                assertThat(sinceStart).contains("still waits for metadata catch-up");
            });
            assertThat(cluster.isAlive(1)).as("waiting, not exited").isTrue();

            cluster.launch(2);
            cluster.launch(3);
            for (int id = 1; id <= 3; id++) {
                cluster.awaitReady(id);
            }
            try (Admin admin = Admin.create(List.of(cluster.node(1).bootstrap()), Duration.ofSeconds(5))) {
                assertThat(admin.listTopics()).contains("kept");
            }
        }
    }
}
