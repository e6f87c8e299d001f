package io.tributary.testkit;

import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.server.BrokerNode;
import io.tributary.client.Admin;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.metadata.UnusedPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Tributary nodes inside the test's own JVM: one combined node, or a cluster of them, on free
 * loopback ports with their data in a temporary directory that {@link #close} deletes. Starts in
 * about a second (no process, no container); for tests of code that uses the client, not for
 * fault tests (the nodes share a JVM). Use it through {@link TributaryExtension}, or directly:
 *
 * <pre>{@code
 * try (EmbeddedTributary tributary = EmbeddedTributary.start(1)) {
 *     try (Producer producer = tributary.newProducer()) { ... }
 * }
 * }</pre>
 */
public final class EmbeddedTributary implements AutoCloseable {
    private static final String HOST = "127.0.0.1";

    private final Path directory;
    private final List<BrokerNode> nodes;

    private EmbeddedTributary(Path directory, List<BrokerNode> nodes) {
        this.directory = directory;
        this.nodes = nodes;
    }

    /**
     * Starts {@code nodeCount} combined nodes (every node a voter and a broker) and returns once
     * every one serves clients; topics default to min(3, nodeCount) replicas.
     *
     * @throws EmbeddedStartException when a node cannot start (its ports, its directory); nothing
     *         started is left running
     */
    public static EmbeddedTributary start(int nodeCount) {
        return start(nodeCount, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** As {@link #start(int)}, with the nodes' temporary directory made under {@code parent}. */
    public static EmbeddedTributary start(int nodeCount, Path parent) {
        if (nodeCount < 1 || nodeCount > 9) {
            throw new IllegalArgumentException("an embedded cluster has 1 to 9 nodes, got " + nodeCount);
        }
        Path directory;
        try {
            directory = Files.createTempDirectory(parent, "tributary-embedded-");
        } catch (IOException | RuntimeException e) {
            throw new EmbeddedStartException("cannot create a directory for the embedded nodes under " + parent
                    + ": " + e, e);
        }
        List<BrokerNode> started = new ArrayList<>();
        try {
            List<NodeConfig> configs = configs(directory, nodeCount);
            // Together, a thread each: a node of a cluster waits in start() for a quorum of the others.
            List<CompletableFuture<BrokerNode>> starting = new ArrayList<>();
            ExecutorService starters = Executors.newFixedThreadPool(configs.size());
            for (NodeConfig config : configs) {
                starting.add(CompletableFuture.supplyAsync(() -> startNode(config), starters));
            }
            starters.shutdown();
            EmbeddedStartException failure = null;
            for (CompletableFuture<BrokerNode> node : starting) {
                try {
                    started.add(node.join());
                } catch (CompletionException e) {
                    failure = failure != null ? failure : e.getCause() instanceof EmbeddedStartException s ? s
                            : new EmbeddedStartException("an embedded node failed to start", e.getCause());
                }
            }
            if (failure != null) {
                throw failure;
            }
            return new EmbeddedTributary(directory, List.copyOf(started));
        } catch (RuntimeException e) {
            started.forEach(BrokerNode::closeWithoutHandOver);
            deleteRecursively(directory);
            throw e;
        }
    }

    private static List<NodeConfig> configs(Path directory, int nodeCount) {
        if (nodeCount == 1) {
            return List.of(NodeConfig.ephemeral(directory.resolve("node1")));
        }
        StringBuilder voters = new StringBuilder();
        try {
            for (int id = 1; id <= nodeCount; id++) {
                voters.append(voters.length() == 0 ? "" : ",").append(id).append('@').append(HOST).append(':')
                        .append(UnusedPorts.pick(HOST));
            }
        } catch (IOException e) {
            throw new EmbeddedStartException("no free loopback port for the embedded quorum", e);
        }
        List<NodeConfig> configs = new ArrayList<>();
        for (int id = 1; id <= nodeCount; id++) {
            Properties p = new Properties();
            p.setProperty("node.id", Integer.toString(id));
            p.setProperty("host", HOST);
            p.setProperty("client.port", "0");
            p.setProperty("metrics.port", "0");
            p.setProperty("kafka.port", "0");
            p.setProperty("data.dir", directory.resolve("node" + id).toString());
            p.setProperty("controller.quorum.voters", voters.toString());
            p.setProperty("default.replication.factor", Integer.toString(Math.min(3, nodeCount)));
            configs.add(NodeConfig.fromProperties(p));
        }
        return configs;
    }

    private static BrokerNode startNode(NodeConfig config) {
        try {
            return BrokerNode.start(config);
        } catch (IOException | RuntimeException e) {
            throw new EmbeddedStartException("embedded node " + config.nodeId() + " failed to start: " + e.getMessage(), e);
        }
    }

    /** host:port of every node's client listener, for {@code bootstrap.servers}. */
    public List<String> bootstrapServers() {
        return nodes.stream().map(BrokerNode::bootstrapAddress).toList();
    }

    /** {@link #bootstrapServers()} joined with commas. */
    public String bootstrapServersString() {
        return String.join(",", bootstrapServers());
    }

    /** The running nodes, by node id order (to read a node's ports or metrics). */
    public List<BrokerNode> nodes() {
        return nodes;
    }

    /** A producer on these nodes with the client's defaults (acks=all, idempotent). */
    public Producer newProducer() {
        return new Producer(ProducerConfig.builder().bootstrapServers(bootstrapServers()).build());
    }

    /** A consumer on these nodes with the client's defaults. */
    public Consumer newConsumer() {
        return new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrapServers()).build());
    }

    /** An admin client on these nodes. */
    public Admin newAdmin() {
        return Admin.create(bootstrapServers(), Duration.ofSeconds(30));
    }

    /** Stops every node (no leadership hand-over: they all go) and deletes their data. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (BrokerNode node : nodes) {
            try {
                node.closeWithoutHandOver();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        deleteRecursively(directory);
        if (failure != null) {
            throw failure;
        }
    }

    private static void deleteRecursively(Path directory) {
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the embedded nodes' directory " + directory, e);
        }
    }
}
