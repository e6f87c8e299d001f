package io.tributary.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.server.BrokerNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own command-line tools (kafka-tools, each in its own JVM as a user runs them) against
 * one node's Kafka listener: the console producer and consumer, kafka-consumer-groups describe
 * and reset, and ProducerPerformance and ConsumerPerformance.
 */
class KafkaToolsTest {
    @TempDir
    Path dataDir;
    private BrokerNode node;
    private String kafka;

    @BeforeEach
    void start() throws Exception {
        node = BrokerNode.start(NodeConfig.ephemeral(dataDir).withGroups(new NodeConfig.Groups(4, 1, 6_000, 500, 100, 4096)));
        kafka = "127.0.0.1:" + node.kafkaPort();
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic("clicks", 1, (short) 1))).all().get();
        }
    }

    @AfterEach
    void stop() {
        node.close();
    }

    /** Runs a kafka-tools main class in its own JVM; returns its standard output. */
    private String tool(String input, String mainClass, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        File out = dataDir.resolve("tool.out").toFile();
        File err = dataDir.resolve("tool.err").toFile();
        Process process = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(mainClass + " did not finish: " + Files.readString(err.toPath()));
        }
        assertThat(process.exitValue()).as("%s: %s", mainClass, Files.readString(err.toPath())).isZero();
        return Files.readString(out.toPath());
    }

    /** The console consumer in a group of either protocol (classic is Kafka's default). */
    @ParameterizedTest
    @ValueSource(strings = {"consumer", "classic"})
    void theConsoleToolsAndConsumerGroupsCommandWork(String protocol) throws Exception {
        tool("a:1\nb:2\nc:3\n", "org.apache.kafka.tools.ConsoleProducer", "--bootstrap-server", kafka, "--topic", "clicks",
                "--reader-property", "parse.key=true", "--reader-property", "key.separator=:");
        String consumed = tool("", "org.apache.kafka.tools.consumer.ConsoleConsumer", "--bootstrap-server", kafka,
                "--topic", "clicks", "--from-beginning", "--max-messages", "3", "--group", "readers",
                "--command-property", "group.protocol=" + protocol, "--formatter-property", "print.key=true",
                "--formatter-property", "key.separator=:");
        assertThat(consumed.lines().toList()).containsExactly("a:1", "b:2", "c:3");

        String describe = tool("", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server", kafka,
                "--describe", "--group", "readers");
        assertThat(describe.lines().filter(l -> l.contains("clicks")).toList()).singleElement()
                .satisfies(line -> assertThat(line.trim().split("\\s+")).startsWith("readers", "clicks", "0", "3", "3", "0"));

        String reset = tool("", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server", kafka,
                "--reset-offsets", "--group", "readers", "--topic", "clicks", "--to-earliest", "--execute");
        assertThat(reset).contains("clicks");
        String after = tool("", "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server", kafka,
                "--describe", "--group", "readers");
        assertThat(after.lines().filter(l -> l.contains("clicks")).toList()).singleElement()
                .satisfies(line -> assertThat(line.trim().split("\\s+")).startsWith("readers", "clicks", "0", "0", "3", "3"));
    }

    /** Kafka's benchmark tools, as the figures of docs/kafka-protocol.md are measured (small here: a check, not a figure). */
    @Test
    void producerPerformanceAndConsumerPerformanceRunToTheEnd() throws Exception {
        String produced = tool("", "org.apache.kafka.tools.ProducerPerformance", "--topic", "clicks", "--num-records",
                "20000", "--record-size", "100", "--throughput", "-1", "--producer-props", "bootstrap.servers=" + kafka,
                "acks=all", "batch.size=16384", "linger.ms=5");
        assertThat(produced).contains("20000 records sent");
        String consumed = tool("", "org.apache.kafka.tools.ConsumerPerformance", "--bootstrap-server", kafka, "--topic",
                "clicks", "--messages", "20000", "--show-detailed-stats", "--reporting-interval", "60000");
        assertThat(consumed).doesNotContain("Exiting before consuming the expected number of messages");
        try (Admin admin = Admin.create(java.util.Map.of("bootstrap.servers", kafka))) {
            long end = admin.listOffsets(java.util.Map.of(new org.apache.kafka.common.TopicPartition("clicks", 0),
                    org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().values().iterator().next().offset();
            assertThat(end).isEqualTo(20_000);
        }
    }
}
