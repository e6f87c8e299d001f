package io.tributary.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.awaitility.Awaitility;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;

/**
 * Test support: a Kafka Connect worker in distributed mode, in this JVM, on a cluster's Kafka
 * listener, with its REST API on an ephemeral port; connectors are created through that API as
 * users create them.
 */
final class ConnectWorker implements AutoCloseable {
    private final Connect<DistributedHerder> connect;
    private final HttpClient http = HttpClient.newHttpClient();

    /**
     * @param group     the worker group; its config, offset and status topics are named after it
     * @param converter the key and value converter class
     */
    ConnectWorker(String kafkaBootstrap, String group, String converter) {
        Map<String, String> worker = new HashMap<>();
        worker.put("bootstrap.servers", kafkaBootstrap);
        worker.put("group.id", group);
        worker.put("config.storage.topic", group + "-configs");
        worker.put("offset.storage.topic", group + "-offsets");
        worker.put("status.storage.topic", group + "-status");
        worker.put("config.storage.replication.factor", "1");
        worker.put("offset.storage.replication.factor", "1");
        worker.put("status.storage.replication.factor", "1");
        worker.put("key.converter", converter);
        worker.put("value.converter", converter);
        worker.put("offset.flush.interval.ms", "500");
        worker.put("listeners", "http://127.0.0.1:0");
        worker.put("plugin.discovery", "only_scan");
        connect = new ConnectDistributed().startConnect(worker);
    }

    /** POST /connectors; a worker that has not joined its group yet answers 409, so that is retried. */
    void createConnector(String name, Map<String, String> config) {
        List<String> entries = new ArrayList<>();
        config.forEach((k, v) -> entries.add("\"" + k + "\":\"" + v.replace("\\", "\\\\") + "\""));
        String json = "{\"name\":\"" + name + "\",\"config\":{" + String.join(",", entries) + "}}";
        URI uri = connect.rest().serverUrl().resolve("/connectors");
        HttpResponse<String> response = await("POST /connectors " + name, () -> post(uri, json),
                r -> r.statusCode() != 409);
        assertThat(response.statusCode()).as("POST /connectors %s: %s", name, response.body()).isEqualTo(201);
    }

    private HttpResponse<String> post(URI uri, String json) {
        try {
            return http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Polls {@code probe} until {@code done} holds, up to 90 s (Awaitility): the effects waited for
     * happen in another system (the worker's tasks, a file, another cluster), which offers nothing
     * to wait on.
     */
    static <T> T await(String what, Supplier<T> probe, Predicate<T> done) {
        return Awaitility.await(what).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(probe::get, done::test);
    }

    @Override
    public void close() {
        connect.stop();
        connect.awaitStop();
    }
}
