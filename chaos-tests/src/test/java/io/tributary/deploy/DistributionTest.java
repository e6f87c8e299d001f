package io.tributary.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.metadata.UnusedPorts;
import io.tributary.testkit.TributaryImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive (cli/target/tributary-VERSION.tar.gz) as a user gets it: unpacked
 * anywhere, its bin/tributary runs a node from its config/ (no Maven, no source tree), the same
 * script's commands talk to it, and SIGTERM stops it cleanly.
 */
class DistributionTest {
    @TempDir
    Path dir;

    @Test
    void theUnpackedArchiveRunsANodeAndTheCommandsThatUseIt() throws Exception {
        Path archive;
        try (var files = Files.list(TributaryImage.checkoutRoot().resolve("cli/target"))) {
            archive = files.filter(f -> f.getFileName().toString().matches("tributary-.*\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no cli/target/tributary-*.tar.gz: run `mvn package` first"));
        }
        run(dir, "tar", "xzf", archive.toString());
        Path home;
        try (var unpacked = Files.list(dir)) {
            home = unpacked.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        assertThat(home.resolve("bin/tributary")).isExecutable();
        assertThat(home.resolve("config/node.properties")).exists();

        // the shipped config, on ports of this test's choosing and a data dir inside the unpacked tree
        String config = Files.readString(home.resolve("config/node.properties"));
        int clientPort = UnusedPorts.pick("127.0.0.1");
        config = config.replace("client.port=9092", "client.port=" + clientPort)
                .replace("controller.port=9093", "controller.port=" + UnusedPorts.pick("127.0.0.1"))
                .replace("metrics.port=9094", "metrics.port=" + UnusedPorts.pick("127.0.0.1"))
                .replace("kafka.port=9095", "kafka.port=" + UnusedPorts.pick("127.0.0.1"));
        Files.writeString(home.resolve("config/test.properties"), config);
        Path log = dir.resolve("node.log");
        long startNanos = System.nanoTime();
        Process node = new ProcessBuilder(home.resolve("bin/tributary").toString(), "server", "--config",
                "config/test.properties").directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            await("the node's ready line").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                    .until(() -> Files.readString(log).contains(" ready: ") || !node.isAlive());
            assertThat(node.isAlive()).as("node alive; its log:%n%s", Files.readString(log)).isTrue();
            System.out.printf("distribution node serving %d ms after its process started%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
            assertThat(home.resolve("data")).isDirectory(); // data.dir=./data, relative to where it runs

            String bootstrap = "127.0.0.1:" + clientPort;
            run(home, "bin/tributary", "topic", "create", "--topic", "unpacked", "--bootstrap", bootstrap);
            run(home, List.of("one", "two"), "bin/tributary", "produce", "--topic", "unpacked", "--bootstrap", bootstrap);
            assertThat(run(home, "bin/tributary", "consume", "--topic", "unpacked", "--from-beginning",
                    "--max-messages", "2", "--bootstrap", bootstrap).lines().toList()).contains("one", "two");
            // the first command wrote the class-data sharing archive the later ones started from
            try (var archives = Files.list(home.resolve("lib/cds"))) {
                assertThat(archives.map(f -> f.getFileName().toString()).toList()).singleElement()
                        .satisfies(name -> assertThat(name).matches("cli-[0-9]+\\.jsa"));
            }
        } finally {
            node.destroy(); // SIGTERM: the controlled shutdown
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly().waitFor();
            }
        }
        assertThat(Files.readString(log)).contains("stopped cleanly");
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        return run(dir, List.of(), command);
    }

    private static String run(Path dir, List<String> stdin, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try (var in = process.getOutputStream()) {
            for (String line : stdin) {
                in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("%s said:%n%s", String.join(" ", new ArrayList<>(List.of(command))), output)
                .isZero();
        return output;
    }
}
