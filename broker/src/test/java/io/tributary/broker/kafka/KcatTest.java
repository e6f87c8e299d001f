package io.tributary.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.server.BrokerNode;
import io.tributary.client.Admin;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.NewTopic;
import io.tributary.proto.TopicPartition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kcat (librdkafka, Debian's package) against one node's Kafka listener: metadata, produce with
 * keys and headers, consume, and the same records read through the gRPC API. CI installs kcat
 * and sets TRIBUTARY_KCAT_REQUIRED, so there the test cannot be skipped.
 */
class KcatTest {
    @TempDir
    Path dataDir;
    private BrokerNode node;
    private String kafka;

    @BeforeEach
    void start() throws Exception {
        boolean present = Files.isExecutable(Path.of("/usr/bin/kcat"));
        if (System.getenv("TRIBUTARY_KCAT_REQUIRED") == null) {
            assumeTrue(present, "kcat is not installed (apt-get install kcat)");
        }
        node = BrokerNode.start(NodeConfig.ephemeral(dataDir));
        kafka = "127.0.0.1:" + node.kafkaPort();
        try (Admin admin = Admin.create(List.of("127.0.0.1:" + node.clientPort()))) {
            admin.createTopics(List.of(NewTopic.of("logs", 2, 1)));
        }
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** Runs kcat with {@code input} on its standard input; returns its standard output. */
    private String kcat(String input, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/kcat", "-b", kafka));
        command.addAll(List.of(args));
        Path out = dataDir.resolve("kcat.out");
        Path err = dataDir.resolve("kcat.err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kcat " + args[0] + " did not finish: " + Files.readString(err));
        }
        assertThat(process.exitValue()).as("kcat %s: %s", String.join(" ", args), Files.readString(err)).isZero();
        return Files.readString(out);
    }

    @Test
    void kcatListsProducesAndConsumes() throws Exception {
        String metadata = kcat("", "-L", "-J");
        assertThat(metadata).contains("\"name\":\"127.0.0.1:" + node.kafkaPort() + "\"").contains("\"topic\":\"logs\"");

        kcat("k1:first\nk2:second\n", "-P", "-t", "logs", "-p", "1", "-K:", "-H", "app=demo");
        String consumed = kcat("", "-C", "-t", "logs", "-p", "1", "-o", "beginning", "-e", "-f", "%k|%s|%h|%o\\n");
        assertThat(consumed.lines().toList()).containsExactly("k1|first|app=demo|0", "k2|second|app=demo|1");

        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers("127.0.0.1:" + node.clientPort()).build())) {
            TopicPartition tp = new TopicPartition("logs", 1);
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            List<String> read = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (read.size() < 2 && System.nanoTime() < deadline) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(200))) {
                    read.add(r.offset() + ":" + new String(r.key(), StandardCharsets.UTF_8) + "="
                            + new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            assertThat(read).containsExactly("0:k1=first", "1:k2=second");
        }
    }

    /** librdkafka's balanced consumer (-G) speaks Kafka's classic group protocol. */
    @Test
    void kcatReadsAsAMemberOfAGroupAndCommits() throws Exception {
        kcat("one\ntwo\nthree\nfour\n", "-P", "-t", "logs", "-p", "0");
        String first = kcat("", "-G", "kcat-readers", "-X", "auto.offset.reset=earliest", "-e", "-f", "%s\n", "logs");
        assertThat(first.lines().toList()).containsExactlyInAnyOrder("one", "two", "three", "four");

        kcat("five\n", "-P", "-t", "logs", "-p", "0");
        String second = kcat("", "-G", "kcat-readers", "-X", "auto.offset.reset=earliest", "-e", "-f", "%s\n", "logs");
        assertThat(second.lines().toList()).as("the group's committed offsets, not the beginning").containsExactly("five");
    }
}
