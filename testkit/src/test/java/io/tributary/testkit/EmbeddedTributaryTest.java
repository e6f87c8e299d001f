package io.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.server.BrokerNode;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerRecord;
import io.tributary.client.RecordMetadata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Embedded clusters as a user's test gets them: they serve, they clean up, and a bad start says why. */
class EmbeddedTributaryTest {
    @TempDir
    Path parent;

    @Test
    void aThreeNodeClusterReplicatesAndLeavesNothingBehind() throws Exception {
        long startNanos = System.nanoTime();
        Path directory;
        try (EmbeddedTributary cluster = EmbeddedTributary.start(3, parent)) {
            System.out.printf("embedded 3-node cluster serving after %d ms%n", (System.nanoTime() - startNanos) / 1_000_000);
            assertThat(cluster.bootstrapServers()).hasSize(3);
            try (var entries = Files.list(parent)) {
                directory = entries.findFirst().orElseThrow();
            }
            try (Admin admin = cluster.newAdmin(); Producer producer = cluster.newProducer()) {
                admin.createTopic(new NewTopic("replicated", 1, 3, Map.of("min.insync.replicas", "2")));
                RecordMetadata acked = producer.send(ProducerRecord.of("replicated", 0, null,
                        "v".getBytes(StandardCharsets.UTF_8))).get();
                assertThat(acked.offset()).isZero();
            }
            // acks=all with min.insync.replicas=2: every replica got it; each node hosts the partition
            for (BrokerNode node : cluster.nodes()) {
                assertThat(node.partitions().partitions()).hasSize(1);
            }
            startNanos = System.nanoTime();
        }
        System.out.printf("embedded 3-node cluster closed in %d ms%n", (System.nanoTime() - startNanos) / 1_000_000);
        assertThat(directory).doesNotExist();
    }

    @Test
    void aDirectoryThatCannotBeHadFailsWithTheReason() throws Exception {
        Path notADirectory = Files.writeString(parent.resolve("a-file"), "x");
        assertThatThrownBy(() -> EmbeddedTributary.start(1, notADirectory))
                .isInstanceOf(EmbeddedStartException.class)
                .hasMessageContaining("cannot create a directory for the embedded nodes under " + notADirectory);
        assertThat(List.of(parent.toFile().list())).containsExactly("a-file");
    }
}
