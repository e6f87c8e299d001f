package io.tributary.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.server.BrokerNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Connect, unchanged, in distributed mode on one node's Kafka listener: the worker keeps its
 * configs, offsets and statuses in compacted topics it creates, joins its group with the classic
 * protocol (protocol type "connect"), and runs the FileStream source and sink connectors, created
 * through its REST API, end to end: lines of one file arrive in another through a topic.
 */
class KafkaConnectTest {
    @TempDir
    Path dataDir;
    @TempDir
    Path files;
    private BrokerNode node;
    private ConnectWorker connect;

    @BeforeEach
    void start() throws Exception {
        node = BrokerNode.start(EcosystemNode.config(dataDir));
        connect = new ConnectWorker("127.0.0.1:" + node.kafkaPort(), "connect-cluster",
                "org.apache.kafka.connect.storage.StringConverter");
    }

    @AfterEach
    void stop() {
        if (connect != null) {
            connect.close();
        }
        node.close();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theFileStreamSourceAndSinkConnectorsCopyAFileThroughATopic() throws Exception {
        Path source = files.resolve("in.txt");
        Path sink = files.resolve("out.txt");
        List<String> written = List.of("first line", "second line", "third line");
        Files.write(source, written, StandardCharsets.UTF_8);

        connect.createConnector("file-source", Map.of("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector",
                "tasks.max", "1", "file", source.toString(), "topic", "connect-lines"));
        connect.createConnector("file-sink", Map.of("connector.class", "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "tasks.max", "1", "file", sink.toString(), "topics", "connect-lines"));
        ConnectWorker.await("the sink file to hold the source's lines", () -> lines(sink), l -> l.size() >= written.size());
        assertThat(lines(sink)).containsExactlyElementsOf(written);

        Files.writeString(source, "a line appended later\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        ConnectWorker.await("the appended line", () -> lines(sink), l -> l.size() >= written.size() + 1);
        assertThat(lines(sink)).endsWith("a line appended later").hasSize(written.size() + 1);

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + node.kafkaPort()))) {
            for (String internal : List.of("connect-cluster-configs", "connect-cluster-offsets", "connect-cluster-status")) {
                Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, internal)))
                        .all().get().values().iterator().next();
                assertThat(config.get("cleanup.policy").value()).as(internal).isEqualTo("compact");
            }
            assertThat(admin.listGroups().all().get()).filteredOn(g -> g.groupId().equals("connect-cluster"))
                    .extracting(g -> g.protocol()).containsExactly("connect");
        }
    }
}
