package io.tributary.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.group.classic.ClassicGroupConfig;
import io.tributary.broker.server.BrokerNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
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
    private Connect<DistributedHerder> connect;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        node = BrokerNode.start(NodeConfig.ephemeral(dataDir).withGroups(new NodeConfig.Groups(4, 1, 6_000, 500, 100, 4096)
                .withClassic(new ClassicGroupConfig(6_000, 300_000, 0, Integer.MAX_VALUE))));
        Map<String, String> worker = new HashMap<>();
        worker.put("bootstrap.servers", "127.0.0.1:" + node.kafkaPort());
        worker.put("group.id", "connect-cluster");
        worker.put("config.storage.topic", "connect-configs");
        worker.put("offset.storage.topic", "connect-offsets");
        worker.put("status.storage.topic", "connect-status");
        worker.put("config.storage.replication.factor", "1");
        worker.put("offset.storage.replication.factor", "1");
        worker.put("status.storage.replication.factor", "1");
        worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.put("offset.flush.interval.ms", "500");
        worker.put("listeners", "http://127.0.0.1:0");
        worker.put("plugin.discovery", "only_scan");
        connect = new ConnectDistributed().startConnect(worker);
    }

    @AfterEach
    void stop() {
        if (connect != null) {
            connect.stop();
            connect.awaitStop();
        }
        node.close();
    }

    private void createConnector(String name, Map<String, String> config) throws IOException, InterruptedException {
        StringBuilder json = new StringBuilder("{\"name\":\"" + name + "\",\"config\":{");
        List<String> entries = new ArrayList<>();
        config.forEach((k, v) -> entries.add("\"" + k + "\":\"" + v.replace("\\", "\\\\") + "\""));
        json.append(String.join(",", entries)).append("}}");
        URI uri = connect.rest().serverUrl().resolve("/connectors");
        // a worker that has not joined its group yet answers 409 (rebalance in progress): retry until a deadline
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        HttpResponse<String> response;
        do {
            response = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.toString())).build(), HttpResponse.BodyHandlers.ofString());
        } while (response.statusCode() == 409 && System.nanoTime() < deadline && pause());
        assertThat(response.statusCode()).as("POST /connectors %s: %s", name, response.body()).isEqualTo(201);
    }

    private static boolean pause() throws InterruptedException {
        Thread.sleep(200); // the worker's REST API offers no way to wait for its group: poll it
        return true;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            pause();
        }
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

        createConnector("file-source", Map.of("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector",
                "tasks.max", "1", "file", source.toString(), "topic", "connect-lines"));
        createConnector("file-sink", Map.of("connector.class", "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "tasks.max", "1", "file", sink.toString(), "topics", "connect-lines"));
        await("the sink file to hold the source's lines", () -> lines(sink).size() >= written.size());
        assertThat(lines(sink)).containsExactlyElementsOf(written);

        Files.writeString(source, "a line appended later\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        await("the appended line", () -> lines(sink).size() >= written.size() + 1);
        assertThat(lines(sink)).endsWith("a line appended later").hasSize(written.size() + 1);

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + node.kafkaPort()))) {
            for (String internal : List.of("connect-configs", "connect-offsets", "connect-status")) {
                Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, internal)))
                        .all().get().values().iterator().next();
                assertThat(config.get("cleanup.policy").value()).as(internal).isEqualTo("compact");
            }
            assertThat(admin.listGroups().all().get()).filteredOn(g -> g.groupId().equals("connect-cluster"))
                    .extracting(g -> g.protocol()).containsExactly("connect");
        }
    }
}
