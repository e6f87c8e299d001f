package io.tributary.cli;

import static org.awaitility.Awaitility.await;

import io.tributary.client.Admin;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A Tributary node running as a separate OS process, for tests that kill it. */
final class NodeProcess implements AutoCloseable {
    private final Path dataDir;
    private final int clientPort;
    private final int controllerPort;
    private Process process;

    NodeProcess(Path dataDir) throws IOException {
        this.dataDir = dataDir;
        this.clientPort = freePort();
        this.controllerPort = freePort();
    }

    String bootstrap() {
        return "127.0.0.1:" + clientPort;
    }

    Process process() {
        return process;
    }

    /** Starts the node and waits until it answers requests. */
    void start() throws IOException {
        Path config = dataDir.resolveSibling(dataDir.getFileName() + ".properties");
        Files.writeString(config, String.join("\n", "node.id=1", "host=127.0.0.1", "client.port=" + clientPort,
                "controller.port=" + controllerPort, "metrics.port=-1", "data.dir=" + dataDir,
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort, ""));
        String java = ProcessHandle.current().info().command().orElse("java");
        process = new ProcessBuilder(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED",
                "-XX:+IgnoreUnrecognizedVMOptions", "-cp", System.getProperty("java.class.path"),
                TributaryCli.class.getName(), "server", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolveSibling("node.log").toFile()))
                .start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("node exited with " + process.exitValue() + ": "
                        + Files.readString(dataDir.resolveSibling("node.log")));
            }
            try (Admin admin = Admin.create(List.of(bootstrap()))) {
                admin.listTopics();
                return true;
            }
        });
    }

    /** SIGKILL: no shutdown hook, no flush. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill9();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }
}
