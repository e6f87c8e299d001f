package io.tributary.cli.local;

import io.tributary.cli.TributaryCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A cluster of combined nodes, each a separate JVM process on its own loopback address
 * (127.0.0.1, 127.0.0.2, ...) with ephemeral ports: for multi-process tests, fault injection
 * (SIGKILL, SIGSTOP/SIGCONT) and the failover benchmark. Every process it starts is killed on
 * {@link #close()}.
 */
public final class LocalProcessCluster implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    /** One node's fixed identity: it keeps its address, ports and data across restarts. */
    public record Node(int id, String host, int clientPort, int controllerPort, int kafkaPort, Path dir, boolean voter,
                       boolean broker) {
        public String bootstrap() {
            return host + ":" + clientPort;
        }

        /** host:port of the node's Kafka-protocol listener. */
        public String kafkaBootstrap() {
            return host + ":" + kafkaPort;
        }

        /** The node's data.dir: partition logs, index, metadata quorum. */
        public Path dataDir() {
            return dir.resolve("data");
        }

        public Path log() {
            return dir.resolve("node.log");
        }
    }

    private final Map<Integer, Node> nodes = new TreeMap<>();
    private final Map<Integer, Process> processes = new java.util.concurrent.ConcurrentSkipListMap<>();
    private final NodePlacement placement;
    private final List<String> extraProperties;
    /** The nodes must not outlive this JVM when it ends without {@link #close} (a harness stopped by SIGTERM). */
    private final Thread killOnExit = new Thread(this::killAll, "local-cluster-kill-on-exit");

    private LocalProcessCluster(NodePlacement placement, List<String> extraProperties) {
        this.placement = placement;
        this.extraProperties = extraProperties;
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    private void killAll() {
        processes.values().forEach(Process::destroyForcibly); // SIGKILL also ends a SIGSTOPped process
    }

    /** Lays out {@code count} combined nodes under {@code root}; starts none. */
    public static LocalProcessCluster create(Path root, int count, List<String> extraProperties) throws IOException {
        return create(root, count, 0, extraProperties);
    }

    /**
     * Lays out {@code voters} combined nodes (ids 1..voters) and {@code brokersOnly} broker-only
     * nodes that follow the metadata log without voting (the next ids); starts none.
     */
    public static LocalProcessCluster create(Path root, int voters, int brokersOnly, List<String> extraProperties)
            throws IOException {
        return create(root, voters, true, brokersOnly, extraProperties);
    }

    /**
     * Lays out {@code voters} voters (ids 1..voters; combined controller + broker nodes when
     * {@code votersAreBrokers}, else controller-only) and {@code brokersOnly} broker-only nodes.
     */
    public static LocalProcessCluster create(Path root, int voters, boolean votersAreBrokers, int brokersOnly,
                                             List<String> extraProperties) throws IOException {
        return create(root, NodePlacement.loopback(), voters, votersAreBrokers, brokersOnly, extraProperties);
    }

    /** As {@link #create(Path, int, boolean, int, List)}, with nodes placed and launched by {@code placement}. */
    public static LocalProcessCluster create(Path root, NodePlacement placement, int voters, boolean votersAreBrokers,
                                             int brokersOnly, List<String> extraProperties) throws IOException {
        LocalProcessCluster cluster = new LocalProcessCluster(placement, extraProperties);
        for (int id = 1; id <= voters + brokersOnly; id++) {
            Path dir = root.resolve("node" + id);
            Files.createDirectories(dir);
            boolean voter = id <= voters;
            cluster.nodes.put(id, new Node(id, placement.host(id), placement.clientPort(id),
                    placement.controllerPort(id), placement.kafkaPort(id), dir, voter, !voter || votersAreBrokers));
        }
        return cluster;
    }

    public List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    public Node node(int id) {
        return nodes.get(id);
    }

    /** host:port of every node, comma-separated. */
    public String bootstrap() {
        return nodes.values().stream().map(Node::bootstrap).collect(Collectors.joining(","));
    }

    /** host:port of every broker's Kafka-protocol listener, comma-separated. */
    public String kafkaBootstrap() {
        return nodes.values().stream().filter(Node::broker).map(Node::kafkaBootstrap).collect(Collectors.joining(","));
    }

    /** host:port of every node except {@code excluded}. */
    public List<String> bootstrapExcept(int... excluded) {
        List<String> out = new ArrayList<>();
        outer:
        for (Node node : nodes.values()) {
            for (int id : excluded) {
                if (node.id() == id) {
                    continue outer;
                }
            }
            out.add(node.bootstrap());
        }
        return out;
    }

    /** Starts every node, then waits until each is ready (quorum formed, broker unfenced). */
    public void startAll() throws IOException, InterruptedException {
        for (int id : nodes.keySet()) {
            launch(id);
        }
        for (int id : nodes.keySet()) {
            awaitReady(id);
        }
    }

    /** Starts (or restarts) one node and waits until it is ready. */
    public void start(int id) throws IOException, InterruptedException {
        launch(id);
        awaitReady(id);
    }

    /** Starts (or restarts) one node without waiting: {@link #awaitReady} waits. */
    public void launch(int id) throws IOException {
        Node node = nodes.get(id);
        Process running = processes.get(id);
        if (running != null && running.isAlive()) {
            throw new IllegalStateException("node " + id + " is already running");
        }
        String voters = nodes.values().stream().filter(Node::voter)
                .map(n -> n.id() + "@" + n.host() + ":" + n.controllerPort()).collect(Collectors.joining(","));
        String listeners = nodes.values().stream().filter(n -> !n.voter())
                .map(n -> n.id() + "@" + n.host() + ":" + n.controllerPort()).collect(Collectors.joining(","));
        List<String> lines = new ArrayList<>(List.of("node.id=" + id, "host=" + node.host(),
                "client.port=" + node.clientPort(), "controller.port=" + node.controllerPort(), "metrics.port=-1",
                "kafka.port=" + (node.broker() ? node.kafkaPort() : -1),
                "data.dir=" + node.dataDir(), "controller.quorum.voters=" + voters,
                "process.roles=" + (node.voter() && node.broker() ? "broker,controller"
                        : node.voter() ? "controller" : "broker")));
        if (!listeners.isEmpty()) {
            lines.add("controller.quorum.listeners=" + listeners);
        }
        lines.addAll(extraProperties);
        Path config = node.dir().resolve("node.properties");
        Files.write(config, lines);
        Files.writeString(node.log(), "=== start " + java.time.Instant.now() + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(placement.launchPrefix(id));
        command.addAll(List.of(java, "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED", "-XX:+IgnoreUnrecognizedVMOptions",
                "-cp", System.getProperty("java.class.path"), TributaryCli.class.getName(), "server", "--config",
                config.toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(node.log().toFile()))
                .start();
        processes.put(id, process);
    }

    /** Whether the node printed its "ready" line since it was last started (it serves clients and is unfenced). */
    public boolean isReady(int id) throws IOException {
        return logSinceLastStart(nodes.get(id)).contains(readyLine(id));
    }

    private static String logSinceLastStart(Node node) throws IOException {
        String log = Files.readString(node.log());
        return log.substring(Math.max(0, log.lastIndexOf("=== start")));
    }

    private static String readyLine(int id) {
        return "Tributary node " + id + " ready";
    }

    /** Waits for the node's "ready" line, printed once it serves clients and is unfenced. */
    public void awaitReady(int id) throws IOException, InterruptedException {
        Node node = nodes.get(id);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            String sinceLastStart = logSinceLastStart(node);
            if (sinceLastStart.contains(readyLine(id))) {
                return;
            }
            Process process = processes.get(id);
            if (process == null || !process.isAlive()) {
                throw new IOException("node " + id + " exited during start-up:\n" + tail(sinceLastStart));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("node " + id + " not ready within " + READY_TIMEOUT + ":\n" + tail(sinceLastStart));
            }
            Thread.sleep(50); // waiting on another process's log file; there is nothing to block on
        }
    }

    public long pid(int id) {
        return processes.get(id).pid();
    }

    /** The node process's exit status once it has exited on its own or been stopped; empty while it runs. */
    public java.util.OptionalInt exitCode(int id) {
        Process process = processes.get(id);
        return process == null || process.isAlive() ? java.util.OptionalInt.empty()
                : java.util.OptionalInt.of(process.exitValue());
    }

    /**
     * Waits up to {@code limit} for the node's process to exit; returns its exit status, or empty
     * if it still runs (or was never started).
     */
    public java.util.OptionalInt awaitExit(int id, Duration limit) throws InterruptedException {
        Process process = processes.get(id);
        if (process == null) {
            return java.util.OptionalInt.empty();
        }
        return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS) ? java.util.OptionalInt.of(process.exitValue())
                : java.util.OptionalInt.empty();
    }

    /** Whether the node said, since it was last started, that its log directory failed and it stops (exit 4). */
    public boolean isStoppingOnStorageFailure(int id) throws IOException {
        return logSinceLastStart(nodes.get(id)).contains("its log directory failed");
    }

    public boolean isAlive(int id) {
        Process process = processes.get(id);
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no flush, no controlled shutdown. */
    public void kill9(int id) throws InterruptedException {
        Process process = processes.get(id);
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** SIGKILL to every running node before waiting for any: a whole-cluster power cut, as near as processes get. */
    public void kill9All() throws InterruptedException {
        List<Process> killed = new ArrayList<>();
        for (Process process : processes.values()) {
            if (process.isAlive()) {
                process.destroyForcibly();
                killed.add(process);
            }
        }
        for (Process process : killed) {
            process.waitFor();
        }
    }

    /** SIGSTOP: the process stays, frozen, holding its ports; peers see silence. */
    public void pause(int id) throws IOException, InterruptedException {
        signal(id, "STOP");
    }

    /** SIGCONT after {@link #pause}. */
    public void resume(int id) throws IOException, InterruptedException {
        signal(id, "CONT");
    }

    /** SIGTERM and wait: a clean stop with controlled shutdown. */
    public void stop(int id) throws InterruptedException {
        Process process = processes.get(id);
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private void signal(int id, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid(id))).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + pid(id) + " failed");
        }
    }

    @Override
    public void close() throws InterruptedException {
        killAll();
        for (Process process : processes.values()) {
            process.waitFor(30, TimeUnit.SECONDS);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // closed by another shutdown hook: the hook runs anyway and finds nothing alive
        }
    }

    private static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

}
