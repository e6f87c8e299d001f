package io.tributary.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.Admin;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.metadata.UnusedPorts;
import io.tributary.proto.TopicPartition;
import io.tributary.testkit.TributaryImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * deploy/docker-compose.yml as an operator runs it: the three nodes come up from the file, take
 * writes from this host through their published external listeners, and come back with their data
 * after `down` and `up` over the same volumes. Prometheus and Grafana are left out (their images
 * come from a registry these machines cannot reach); the whole file is validated by `config`.
 * Needs a Docker engine and docker-compose (CI installs both).
 */
class ComposeClusterTest {
    private static final Path COMPOSE_FILE = TributaryImage.checkoutRoot().resolve("deploy/docker-compose.yml");
    private static final List<String> NODES = List.of("node1", "node2", "node3");

    @Test
    void aComposeClusterServesTheHostAndComesBackWithItsDataAfterARestart() throws Exception {
        TributaryImage.requireEngine();
        requireCompose();
        String project = "tributary-compose-test-" + ProcessHandle.current().pid();
        Map<String, String> env = new HashMap<>();
        List<String> bootstrap = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            int port = UnusedPorts.pick("127.0.0.1");
            env.put("TRIBUTARY_NODE" + i + "_PORT", Integer.toString(port));
            bootstrap.add("localhost:" + port);
        }
        compose(project, env, "config", "-q");
        try {
            List<String> up = new ArrayList<>(List.of("up", "-d", "--build"));
            up.addAll(NODES);
            compose(project, env, up.toArray(String[]::new));
            awaitReady(project, env);
            List<String> sent = new ArrayList<>();
            try (Admin admin = Admin.create(bootstrap, Duration.ofSeconds(60))) {
                admin.createTopic(new NewTopic("orders", 3, 3, Map.of("min.insync.replicas", "2")));
            }
            try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).build())) {
                List<CompletableFuture<?>> acks = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    String value = "order-" + i;
                    sent.add(value);
                    acks.add(producer.send(ProducerRecord.of("orders", null, value.getBytes(StandardCharsets.UTF_8))));
                }
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            }

            compose(project, env, "down"); // keeps the named volumes
            up.remove("--build");
            compose(project, env, up.toArray(String[]::new));
            awaitReady(project, env);

            assertThat(readAll(bootstrap, sent.size())).containsExactlyInAnyOrderElementsOf(sent);
        } finally {
            compose(project, env, "down", "-v", "--remove-orphans");
        }
    }

    /** Every node printed its ready line (it serves clients): its log is the container's output. */
    private static void awaitReady(String project, Map<String, String> env) {
        await("the compose nodes' ready lines").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    List<String> logs = new ArrayList<>(List.of("logs", "--no-color"));
                    logs.addAll(NODES);
                    return compose(project, env, logs.toArray(String[]::new)).lines()
                            .filter(line -> line.contains(" ready: ")).count() >= NODES.size();
                });
    }

    private static List<String> readAll(List<String> bootstrap, int expected) {
        List<TopicPartition> partitions = List.of(new TopicPartition("orders", 0), new TopicPartition("orders", 1),
                new TopicPartition("orders", 2));
        List<String> read = new ArrayList<>();
        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).build())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (read.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord record : consumer.poll(Duration.ofMillis(500))) {
                    read.add(new String(record.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return read;
    }

    private static String compose(String project, Map<String, String> env, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker-compose", "-p", project, "-f", COMPOSE_FILE.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed:\n" + output);
        }
        return output;
    }

    private static void requireCompose() {
        boolean present = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            present |= Files.isExecutable(Path.of(dir, "docker-compose"));
        }
        if (!present && "1".equals(System.getenv("TRIBUTARY_CONTAINERS_REQUIRED"))) {
            throw new AssertionError("docker-compose is required (TRIBUTARY_CONTAINERS_REQUIRED=1): apt-get install docker-compose");
        }
        Assumptions.assumeTrue(present, "docker-compose is not installed: the compose test is skipped");
    }
}
