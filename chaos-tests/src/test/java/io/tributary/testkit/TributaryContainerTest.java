package io.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.client.Admin;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.client.RecordMetadata;
import io.tributary.proto.TopicPartition;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container;

/**
 * (In chaos-tests, not testkit: the image is built from cli's packaged jars, and cli's own tests
 * use testkit, so testkit comes before cli in the build.)
 * The node image run the way a user's test runs it: a record produced from the host comes back, over the published port. */
class TributaryContainerTest {

    @Test
    void aNodeInAContainerServesClientsOnThePublishedPortAndStopsCleanly() throws Exception {
        try (TributaryContainer node = new TributaryContainer(TributaryImage.fromCheckout().get())) {
            node.start();
            List<String> bootstrap = List.of(node.getBootstrapServers());
            try (Admin admin = Admin.create(bootstrap, Duration.ofSeconds(30))) {
                admin.createTopic(new NewTopic("orders", 2, 1, Map.of()));
            }
            RecordMetadata written;
            try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).build())) {
                written = producer.send(ProducerRecord.of("orders", 1, "k".getBytes(StandardCharsets.UTF_8),
                        "hello".getBytes(StandardCharsets.UTF_8))).get();
            }
            List<ConsumerRecord> read = new ArrayList<>();
            try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).build())) {
                TopicPartition tp = new TopicPartition("orders", 1);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                for (int i = 0; i < 50 && read.isEmpty(); i++) {
                    read.addAll(consumer.poll(Duration.ofMillis(200)));
                }
            }
            assertThat(read).hasSize(1);
            assertThat(read.get(0).offset()).isEqualTo(written.offset());
            assertThat(new String(read.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("hello");

            // the image's health check asks the gRPC health service, as the user in the container
            Container.ExecResult health = node.execInContainer("/opt/tributary/bin/entrypoint.sh", "health");
            assertThat(health.getExitCode()).as(health.getStdout() + health.getStderr()).isZero();
            assertThat(health.getStdout()).contains("SERVING");
            assertThat(node.execInContainer("id", "-un").getStdout().trim()).isEqualTo("tributary");

            HttpResponse<String> metrics = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(node.getMetricsUrl())).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("jvm_memory_used_bytes");

            // docker stop sends SIGTERM to the JVM (the entrypoint execs it): a controlled shutdown
            // within the grace period (SIGKILL after it would exit 137), then the JVM's 128 + 15
            node.getDockerClient().stopContainerCmd(node.getContainerId()).withTimeout(30).exec();
            Long exitCode = node.getDockerClient().inspectContainerCmd(node.getContainerId()).exec().getState()
                    .getExitCodeLong();
            assertThat(exitCode).as(node.getLogs()).isEqualTo(143L);
            assertThat(node.getLogs()).contains("Tributary node 1 stopped cleanly");
        }
    }
}
