package io.tributary.broker.config;

import io.tributary.broker.group.classic.ClassicGroupConfig;
import io.tributary.broker.log.LogManager;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A node's static settings, read from a properties file or built in code. Unknown keys are an
 * error, so a typo never silently falls back to a default.
 *
 * <table>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>node.id</td><td>1</td><td>this node's id, unique in the cluster</td></tr>
 * <tr><td>host</td><td>127.0.0.1</td><td>address the client and controller listeners bind and advertise</td></tr>
 * <tr><td>client.port</td><td>9092</td><td>gRPC client API port (0 = ephemeral)</td></tr>
 * <tr><td>controller.port</td><td>9093</td><td>Ratis metadata quorum port (0 = ephemeral, single voter only)</td></tr>
 * <tr><td>metrics.port</td><td>9094</td><td>Prometheus /metrics HTTP port (0 = ephemeral, -1 = off)</td></tr>
 * <tr><td>data.dir</td><td>./data</td><td>partition logs, index and metadata</td></tr>
 * <tr><td>process.roles</td><td>broker,controller</td><td>{@code broker,controller}: a metadata voter and a broker;
 *     {@code controller}: a metadata voter only (it hosts no partitions); {@code broker}: a broker
 *     that follows the metadata log without voting (it must be listed in controller.quorum.listeners)</td></tr>
 * <tr><td>controller.quorum.voters</td><td>this node</td><td>id@host:port,... of the metadata voters</td></tr>
 * <tr><td>controller.quorum.listeners</td><td>none</td><td>id@host:port,... of the broker-only nodes, which follow
 *     the metadata log as non-voting Ratis listeners on their controller.port</td></tr>
 * <tr><td>default.replication.factor</td><td>1</td><td>RF for topics created without one</td></tr>
 * <tr><td>broker.heartbeat.interval.ms</td><td>250</td><td>how often the broker heartbeats to the active controller</td></tr>
 * <tr><td>broker.session.timeout.ms</td><td>1000</td><td>a broker silent this long is fenced and loses its leaderships</td></tr>
 * <tr><td>advertised.host</td><td>host</td><td>the address clients and other brokers are told to reach this
 *     broker's client listener at (a NAT, a container's published port); it must reach the listener from both</td></tr>
 * <tr><td>advertised.client.port</td><td>the bound client port</td><td>the port that goes with advertised.host</td></tr>
 * <tr><td>external.port</td><td>-1 (off)</td><td>a second client listener on host (0 = ephemeral), for clients
 *     that reach the node by another address than the brokers do: a container's published port. Clients
 *     that connect to it are told the other brokers' external addresses</td></tr>
 * <tr><td>external.advertised.host</td><td>advertised.host</td><td>the address clients reach the external listener at</td></tr>
 * <tr><td>external.advertised.port</td><td>external.port</td><td>the port that goes with external.advertised.host</td></tr>
 * <tr><td>kafka.port</td><td>9095</td><td>the Kafka-protocol listener on host (0 = ephemeral, -1 = off): Kafka's
 *     clients, tools, Connect and Streams reach the same topics and groups here</td></tr>
 * <tr><td>kafka.advertised.host</td><td>advertised.host</td><td>the address Kafka clients are told to reach it at</td></tr>
 * <tr><td>kafka.advertised.port</td><td>kafka.port</td><td>the port that goes with kafka.advertised.host</td></tr>
 * <tr><td>auto.create.topics.enable</td><td>true</td><td>a Kafka client's metadata request for an unknown topic
 *     creates it (num.partitions, default.replication.factor), as Kafka does; the gRPC API never does</td></tr>
 * <tr><td>num.partitions</td><td>1</td><td>partitions of a topic created that way</td></tr>
 * <tr><td>replica.lag.time.max.ms</td><td>10000</td><td>a follower not caught up with the leader for this long
 *     leaves the ISR (it is fenced sooner if it stops heartbeating)</td></tr>
 * <tr><td>log.retention.check.interval.ms</td><td>300000</td><td>how often each replica deletes the old segments its
 *     topic's retention.ms and retention.bytes no longer keep (Kafka's setting of the same name)</td></tr>
 * <tr><td>log.journal.checkpoint.bytes</td><td>67108864</td><td>journal bytes that trigger a checkpoint (segments
 * fsynced, journal files deleted)</td></tr>
 * <tr><td>log.journal.checkpoint.interval.ms</td><td>60000</td><td>time after which a checkpoint runs when anything
 * was written</td></tr>
 * <tr><td>log.max.open.segment.files</td><td>4096</td><td>segment files kept open; the least recently used idle
 *     ones beyond it are closed and reopened when read (10,000 partitions need not hold 10,000 descriptors)</td></tr>
 * <tr><td>log.verifier.io.max.bytes.per.second</td><td>134217728</td><td>how fast the log verifier reads, after a
 *     start, the part of each log that recovery took from a replica state snapshot (a follower fetches once its log
 *     is verified)</td></tr>
 * <tr><td>offsets.topic.num.partitions</td><td>16</td><td>partitions of {@code __consumer_offsets}, created on the
 *     first group request; each partition's leader coordinates the groups that hash to it</td></tr>
 * <tr><td>offsets.topic.replication.factor</td><td>3</td><td>its replication factor (fewer on a smaller cluster)</td></tr>
 * <tr><td>group.consumer.session.timeout.ms</td><td>45000</td><td>a member not heard from for this long leaves its
 *     group and its partitions move (the member stops delivering them by then)</td></tr>
 * <tr><td>group.consumer.heartbeat.interval.ms</td><td>5000</td><td>how often members heartbeat</td></tr>
 * <tr><td>group.consumer.max.size</td><td>unbounded</td><td>the most members a group may have</td></tr>
 * <tr><td>offset.metadata.max.bytes</td><td>4096</td><td>the longest metadata string an offset commit may carry</td></tr>
 * <tr><td>offsets.retention.minutes</td><td>10080</td><td>how long the offsets of a group without members are kept
 *     after their last commit (and after the group became empty)</td></tr>
 * <tr><td>offsets.retention.check.interval.ms</td><td>600000</td><td>how often coordinators look for expired offsets</td></tr>
 * <tr><td>group.min.session.timeout.ms, group.max.session.timeout.ms</td><td>6000, 1800000</td><td>the sessions a
 *     member of Kafka's classic group protocol may ask for</td></tr>
 * <tr><td>group.initial.rebalance.delay.ms</td><td>3000</td><td>how long the first rebalance of an empty classic
 *     group waits for more members to join</td></tr>
 * <tr><td>group.max.size</td><td>unbounded</td><td>the most members a classic group may have</td></tr>
 * <tr><td>log.cleaner.backoff.ms</td><td>15000</td><td>how long the cleaner sleeps when no compacted log needs cleaning</td></tr>
 * <tr><td>log.cleaner.io.max.bytes.per.second</td><td>67108864</td><td>the cleaner's read plus write rate, so that
 *     compaction cannot starve produce and fetch of the disk</td></tr>
 * <tr><td>log.cleaner.dedupe.buffer.size</td><td>33554432</td><td>memory for one cleaning pass's key-to-offset map;
 *     a dirty section with more keys is cleaned in several passes</td></tr>
 * </table>
 */
public record NodeConfig(int nodeId, String host, int clientPort, int controllerPort, int metricsPort, Path dataDir,
                         List<Voter> voters, List<Voter> listeners, boolean brokerRole, int defaultReplicationFactor,
                         long heartbeatIntervalMs, long sessionTimeoutMs, long replicaLagTimeMaxMs,
                         String advertisedHost, int advertisedClientPort, ExternalListener external,
                         long retentionCheckIntervalMs, Cleaner cleaner, LogManager.Checkpoints checkpoints,
                         int maxOpenSegmentFiles, long verifierIoMaxBytesPerSecond, Groups groups,
                         KafkaListener kafka) {
    public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 250;
    public static final long DEFAULT_SESSION_TIMEOUT_MS = io.tributary.metadata.QuorumConfig.DEFAULT_BROKER_SESSION_TIMEOUT_MS;
    public static final long DEFAULT_REPLICA_LAG_TIME_MAX_MS = 10_000;
    public static final long DEFAULT_RETENTION_CHECK_INTERVAL_MS = 300_000;
    public static final long DEFAULT_VERIFIER_IO_MAX_BYTES_PER_SECOND = 128L << 20;


    /**
     * The second client listener: bound on {@code host} at {@code port}, advertised to the clients
     * that connect to it as {@code advertisedHost:advertisedPort} (0 = the bound port).
     */
    public record ExternalListener(int port, String advertisedHost, int advertisedPort) {
        public ExternalListener {
            checkPort("external.port", port, false);
            checkPort("external.advertised.port", advertisedPort, false);
        }
    }

    /**
     * The Kafka-protocol listener: Kafka's clients and tools reach the same logs, groups and
     * metadata on {@code port} (-1 = off, 0 = ephemeral), told to reach it at
     * {@code advertisedHost:advertisedPort} (0 = the bound port).
     */
    public record KafkaListener(int port, String advertisedHost, int advertisedPort, boolean autoCreateTopics,
                                int autoCreatePartitions) {
        public static final int DEFAULT_PORT = 9095;

        public KafkaListener {
            checkPort("kafka.port", port, true);
            checkPort("kafka.advertised.port", advertisedPort, false);
            if (autoCreatePartitions < 1) {
                throw new ConfigException("num.partitions must be >= 1, got " + autoCreatePartitions);
            }
        }

        /** On {@code port}, advertised as given, creating unknown topics as Kafka does by default. */
        public KafkaListener(int port, String advertisedHost, int advertisedPort) {
            this(port, advertisedHost, advertisedPort, true, 1);
        }

        public boolean enabled() {
            return port >= 0;
        }
    }

    /** The log cleaner's settings (Kafka's keys; smaller defaults for a small broker). */
    public record Cleaner(long backoffMs, long ioMaxBytesPerSecond, long dedupeBufferBytes) {
        public static final Cleaner DEFAULT = new Cleaner(15_000, 64L << 20, 32L << 20);

        public Cleaner {
            if (backoffMs < 1 || ioMaxBytesPerSecond < 1 || dedupeBufferBytes < 1 << 20) {
                throw new ConfigException("log.cleaner.backoff.ms and log.cleaner.io.max.bytes.per.second must be >= 1"
                        + " and log.cleaner.dedupe.buffer.size >= 1048576, got " + backoffMs + ", "
                        + ioMaxBytesPerSecond + " and " + dedupeBufferBytes);
            }
        }
    }

    /**
     * The group coordinator's settings (Kafka's keys). The offsets topic is created with these on
     * first use; later changes of its partition count are not followed (groups would move).
     */
    public record Groups(int offsetsTopicPartitions, int offsetsTopicReplicationFactor, int sessionTimeoutMs,
                         int heartbeatIntervalMs, int maxSize, int metadataMaxBytes, long offsetsRetentionMs,
                         long offsetsRetentionCheckIntervalMs, ClassicGroupConfig classic) {
        public static final Groups DEFAULT = new Groups(16, 3, 45_000, 5_000, Integer.MAX_VALUE, 4096,
                TimeUnit.MINUTES.toMillis(10_080), 600_000, ClassicGroupConfig.DEFAULTS);

        /** The defaults' offset retention and classic-protocol settings with the given sizes and timeouts. */
        public Groups(int offsetsTopicPartitions, int offsetsTopicReplicationFactor, int sessionTimeoutMs,
                      int heartbeatIntervalMs, int maxSize, int metadataMaxBytes) {
            this(offsetsTopicPartitions, offsetsTopicReplicationFactor, sessionTimeoutMs, heartbeatIntervalMs, maxSize,
                    metadataMaxBytes, TimeUnit.MINUTES.toMillis(10_080), 600_000, ClassicGroupConfig.DEFAULTS);
        }

        /** The same with these classic-protocol settings. */
        public Groups withClassic(ClassicGroupConfig newClassic) {
            return new Groups(offsetsTopicPartitions, offsetsTopicReplicationFactor, sessionTimeoutMs,
                    heartbeatIntervalMs, maxSize, metadataMaxBytes, offsetsRetentionMs, offsetsRetentionCheckIntervalMs,
                    newClassic);
        }

        public Groups {
            if (offsetsTopicPartitions < 1 || offsetsTopicReplicationFactor < 1) {
                throw new ConfigException("offsets.topic.num.partitions and offsets.topic.replication.factor must be >= 1, got "
                        + offsetsTopicPartitions + " and " + offsetsTopicReplicationFactor);
            }
            if (heartbeatIntervalMs < 10 || sessionTimeoutMs <= heartbeatIntervalMs) {
                throw new ConfigException("group.consumer.heartbeat.interval.ms (" + heartbeatIntervalMs
                        + ") must be >= 10 and below group.consumer.session.timeout.ms (" + sessionTimeoutMs + ")");
            }
            if (maxSize < 1 || metadataMaxBytes < 0) {
                throw new ConfigException("group.consumer.max.size must be >= 1 and offset.metadata.max.bytes >= 0, got "
                        + maxSize + " and " + metadataMaxBytes);
            }
            if (offsetsRetentionMs < 60_000 || offsetsRetentionCheckIntervalMs < 1) {
                throw new ConfigException("offsets.retention.minutes must be >= 1 and offsets.retention.check.interval.ms"
                        + " >= 1, got " + offsetsRetentionMs / 60_000 + " and " + offsetsRetentionCheckIntervalMs);
            }
        }

        public io.tributary.broker.group.GroupConfig groupConfig() {
            return new io.tributary.broker.group.GroupConfig(sessionTimeoutMs, heartbeatIntervalMs, maxSize, metadataMaxBytes,
                    offsetsRetentionMs, classic);
        }
    }

    /** One metadata quorum member: a voter, or a non-voting listener. */
    public record Voter(int id, String host, int port) {
        static Voter parse(String text) {
            int at = text.indexOf('@');
            int colon = text.lastIndexOf(':');
            if (at <= 0 || colon <= at + 1 || colon == text.length() - 1) {
                throw new ConfigException("quorum member '" + text + "' is not id@host:port");
            }
            try {
                return new Voter(Integer.parseInt(text.substring(0, at).trim()), text.substring(at + 1, colon).trim(),
                        Integer.parseInt(text.substring(colon + 1).trim()));
            } catch (NumberFormatException e) {
                throw new ConfigException("quorum member '" + text + "' has a non-numeric id or port");
            }
        }
    }

    private static final Set<String> KEYS = Set.of("node.id", "host", "client.port", "controller.port",
            "metrics.port", "data.dir", "process.roles", "controller.quorum.voters", "controller.quorum.listeners",
            "default.replication.factor",
            "broker.heartbeat.interval.ms", "broker.session.timeout.ms", "replica.lag.time.max.ms",
            "advertised.host", "advertised.client.port", "external.port", "external.advertised.host",
            "external.advertised.port", "log.retention.check.interval.ms", "log.cleaner.backoff.ms",
            "log.cleaner.io.max.bytes.per.second", "log.cleaner.dedupe.buffer.size", "log.journal.checkpoint.bytes",
            "log.journal.checkpoint.interval.ms", "log.max.open.segment.files", "log.verifier.io.max.bytes.per.second",
            "offsets.topic.num.partitions", "offsets.topic.replication.factor", "group.consumer.session.timeout.ms",
            "group.consumer.heartbeat.interval.ms", "group.consumer.max.size", "offset.metadata.max.bytes",
            "offsets.retention.minutes", "offsets.retention.check.interval.ms", "group.min.session.timeout.ms",
            "group.max.session.timeout.ms", "group.initial.rebalance.delay.ms", "group.max.size",
            "kafka.port", "kafka.advertised.host", "kafka.advertised.port", "auto.create.topics.enable", "num.partitions");

    public NodeConfig {
        if (nodeId < 0) {
            throw new ConfigException("node.id must be >= 0, got " + nodeId);
        }
        checkPort("client.port", clientPort, false);
        checkPort("controller.port", controllerPort, false);
        checkPort("metrics.port", metricsPort, true);
        checkPort("advertised.client.port", advertisedClientPort, false);
        advertisedHost = advertisedHost == null || advertisedHost.isBlank() ? host : advertisedHost.trim();
        if (kafka.advertisedHost() == null || kafka.advertisedHost().isBlank()) {
            kafka = new KafkaListener(kafka.port(), advertisedHost, kafka.advertisedPort(), kafka.autoCreateTopics(),
                    kafka.autoCreatePartitions());
        }
        if (external != null && (external.advertisedHost() == null || external.advertisedHost().isBlank())) {
            external = new ExternalListener(external.port(), advertisedHost, external.advertisedPort());
        }
        refuseSharedPorts(clientPort, controllerPort, metricsPort, kafka.port(), external == null ? -1 : external.port());
        if (heartbeatIntervalMs < 10 || sessionTimeoutMs < 2 * heartbeatIntervalMs) {
            throw new ConfigException("broker.heartbeat.interval.ms (" + heartbeatIntervalMs + ") must be >= 10 and "
                    + "broker.session.timeout.ms (" + sessionTimeoutMs + ") at least twice as long");
        }
        if (replicaLagTimeMaxMs < 1000) {
            // below about two replica fetch long polls an idle, healthy follower would be dropped
            throw new ConfigException("replica.lag.time.max.ms must be >= 1000, got " + replicaLagTimeMaxMs);
        }
        java.util.Objects.requireNonNull(cleaner, "cleaner");
        java.util.Objects.requireNonNull(checkpoints, "checkpoints");
        if (verifierIoMaxBytesPerSecond < 1) {
            throw new ConfigException("log.verifier.io.max.bytes.per.second must be >= 1, got " + verifierIoMaxBytesPerSecond);
        }
        if (maxOpenSegmentFiles < 1) {
            throw new ConfigException("log.max.open.segment.files must be >= 1, got " + maxOpenSegmentFiles);
        }
        if (retentionCheckIntervalMs < 1) {
            throw new ConfigException("log.retention.check.interval.ms must be >= 1, got " + retentionCheckIntervalMs);
        }
        if (defaultReplicationFactor < 1) {
            throw new ConfigException("default.replication.factor must be >= 1, got " + defaultReplicationFactor);
        }
        voters = voters == null || voters.isEmpty() ? List.of(new Voter(nodeId, host, controllerPort)) : List.copyOf(voters);
        listeners = listeners == null ? List.of() : List.copyOf(listeners);
        boolean voter = voters.stream().anyMatch(v -> v.id() == nodeId);
        boolean listener = listeners.stream().anyMatch(v -> v.id() == nodeId);
        if (voter == listener) {
            throw new ConfigException("node.id " + nodeId + " must be in exactly one of controller.quorum.voters "
                    + voters + " (a combined controller + broker) and controller.quorum.listeners " + listeners
                    + " (a broker only)");
        }
        if (!brokerRole && listener) {
            throw new ConfigException("node " + nodeId + " is neither a broker nor a voter");
        }
    }

    /** True for a combined controller + broker; false for a broker that only follows the metadata log. */
    public boolean isVoter() {
        return voters.stream().anyMatch(v -> v.id() == nodeId);
    }

    /** Two listeners on one host cannot share a port (0, ephemeral, and -1, off, never clash). */
    private static void refuseSharedPorts(int client, int controller, int metrics, int kafka, int external) {
        String[] keys = {"client.port", "controller.port", "metrics.port", "kafka.port", "external.port"};
        int[] ports = {client, controller, metrics, kafka, external};
        for (int i = 0; i < ports.length; i++) {
            for (int j = i + 1; j < ports.length; j++) {
                if (ports[i] > 0 && ports[i] == ports[j]) {
                    throw new ConfigException(keys[i] + " and " + keys[j] + " are both " + ports[i]
                            + ": give each listener its own port (-1 turns kafka.port, metrics.port and external.port off)");
                }
            }
        }
    }

    private static void checkPort(String key, int port, boolean allowOff) {
        if (port < (allowOff ? -1 : 0) || port > 65535) {
            throw new ConfigException(key + " must be a port number" + (allowOff ? " or -1" : "") + ", got " + port);
        }
    }

    /** A single combined node with everything on the defaults, data under {@code dataDir}. */
    public static NodeConfig dev(Path dataDir) {
        return new NodeConfig(1, "127.0.0.1", 9092, 9093, 9094, dataDir, List.of(), List.of(), true, 1,
                DEFAULT_HEARTBEAT_INTERVAL_MS,
                DEFAULT_SESSION_TIMEOUT_MS, DEFAULT_REPLICA_LAG_TIME_MAX_MS, null, 0, null, DEFAULT_RETENTION_CHECK_INTERVAL_MS,
                Cleaner.DEFAULT, LogManager.Checkpoints.DEFAULT, LogManager.DEFAULT_MAX_OPEN_SEGMENT_FILES,
                DEFAULT_VERIFIER_IO_MAX_BYTES_PER_SECOND, Groups.DEFAULT,
                new KafkaListener(KafkaListener.DEFAULT_PORT, null, 0));
    }

    /** A single node on ephemeral ports: for tests. */
    public static NodeConfig ephemeral(Path dataDir) {
        return new NodeConfig(1, "127.0.0.1", 0, 0, 0, dataDir, List.of(), List.of(), true, 1, DEFAULT_HEARTBEAT_INTERVAL_MS,
                DEFAULT_SESSION_TIMEOUT_MS, DEFAULT_REPLICA_LAG_TIME_MAX_MS, null, 0, null, DEFAULT_RETENTION_CHECK_INTERVAL_MS,
                Cleaner.DEFAULT, LogManager.Checkpoints.DEFAULT, LogManager.DEFAULT_MAX_OPEN_SEGMENT_FILES,
                DEFAULT_VERIFIER_IO_MAX_BYTES_PER_SECOND, Groups.DEFAULT, new KafkaListener(0, null, 0));
    }

    public NodeConfig withPorts(int clientPort, int controllerPort, int metricsPort) {
        List<Voter> self = voters.size() == 1 && voters.get(0).id() == nodeId ? List.of() : voters;
        return new NodeConfig(nodeId, host, clientPort, controllerPort, metricsPort, dataDir, self, listeners,
                brokerRole, defaultReplicationFactor, heartbeatIntervalMs, sessionTimeoutMs, replicaLagTimeMaxMs,
                advertisedHost, advertisedClientPort, external, retentionCheckIntervalMs, cleaner, checkpoints, maxOpenSegmentFiles,
                verifierIoMaxBytesPerSecond, groups, kafka);
    }

    public NodeConfig withDataDir(Path dir) {
        return new NodeConfig(nodeId, host, clientPort, controllerPort, metricsPort, dir, voters, listeners,
                brokerRole, defaultReplicationFactor, heartbeatIntervalMs, sessionTimeoutMs, replicaLagTimeMaxMs,
                advertisedHost, advertisedClientPort, external, retentionCheckIntervalMs, cleaner, checkpoints, maxOpenSegmentFiles,
                verifierIoMaxBytesPerSecond, groups, kafka);
    }

    public NodeConfig withRetentionCheckIntervalMs(long intervalMs) {
        return new NodeConfig(nodeId, host, clientPort, controllerPort, metricsPort, dataDir, voters, listeners,
                brokerRole, defaultReplicationFactor, heartbeatIntervalMs, sessionTimeoutMs, replicaLagTimeMaxMs,
                advertisedHost, advertisedClientPort, external, intervalMs, cleaner, checkpoints, maxOpenSegmentFiles,
                verifierIoMaxBytesPerSecond, groups, kafka);
    }

    public NodeConfig withCleaner(Cleaner newCleaner) {
        return new NodeConfig(nodeId, host, clientPort, controllerPort, metricsPort, dataDir, voters, listeners,
                brokerRole, defaultReplicationFactor, heartbeatIntervalMs, sessionTimeoutMs, replicaLagTimeMaxMs,
                advertisedHost, advertisedClientPort, external, retentionCheckIntervalMs, newCleaner, checkpoints, maxOpenSegmentFiles,
                verifierIoMaxBytesPerSecond, groups, kafka);
    }

    public NodeConfig withCheckpoints(LogManager.Checkpoints newCheckpoints) {
        return new NodeConfig(nodeId, host, clientPort, controllerPort, metricsPort, dataDir, voters, listeners,
                brokerRole, defaultReplicationFactor, heartbeatIntervalMs, sessionTimeoutMs, replicaLagTimeMaxMs,
                advertisedHost, advertisedClientPort, external, retentionCheckIntervalMs, cleaner, newCheckpoints, maxOpenSegmentFiles,
                verifierIoMaxBytesPerSecond, groups, kafka);
    }

    public NodeConfig withGroups(Groups newGroups) {
        return new NodeConfig(nodeId, host, clientPort, controllerPort, metricsPort, dataDir, voters, listeners,
                brokerRole, defaultReplicationFactor, heartbeatIntervalMs, sessionTimeoutMs, replicaLagTimeMaxMs,
                advertisedHost, advertisedClientPort, external, retentionCheckIntervalMs, cleaner, checkpoints, maxOpenSegmentFiles,
                verifierIoMaxBytesPerSecond, newGroups, kafka);
    }

    public static NodeConfig load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        return fromProperties(properties);
    }

    public static NodeConfig fromProperties(Properties properties) {
        for (String key : properties.stringPropertyNames()) {
            if (!KEYS.contains(key)) {
                throw new ConfigException("unknown node config '" + key + "'; known keys: " + new java.util.TreeSet<>(KEYS));
            }
        }
        int nodeId = intValue(properties, "node.id", 1);
        String host = properties.getProperty("host", "127.0.0.1").trim();
        int controllerPort = intValue(properties, "controller.port", 9093);
        List<Voter> voters = members(properties, "controller.quorum.voters");
        List<Voter> listeners = members(properties, "controller.quorum.listeners");
        String roles = properties.getProperty("process.roles", "broker,controller").replace(" ", "");
        if (!roles.equals("broker,controller") && !roles.equals("controller,broker") && !roles.equals("broker")
                && !roles.equals("controller")) {
            throw new ConfigException("process.roles must be 'broker,controller', 'controller' or 'broker', got '"
                    + roles + "'");
        }
        if (roles.equals("broker") != listeners.stream().anyMatch(l -> l.id() == intValue(properties, "node.id", 1))) {
            throw new ConfigException("process.roles=" + roles + " but node.id is "
                    + (roles.equals("broker") ? "not " : "") + "in controller.quorum.listeners " + listeners);
        }
        return new NodeConfig(nodeId, host, intValue(properties, "client.port", 9092), controllerPort,
                intValue(properties, "metrics.port", 9094), Path.of(properties.getProperty("data.dir", "./data").trim()),
                voters, listeners, !roles.equals("controller"), intValue(properties, "default.replication.factor", 1),
                intValue(properties, "broker.heartbeat.interval.ms", (int) DEFAULT_HEARTBEAT_INTERVAL_MS),
                intValue(properties, "broker.session.timeout.ms", (int) DEFAULT_SESSION_TIMEOUT_MS),
                intValue(properties, "replica.lag.time.max.ms", (int) DEFAULT_REPLICA_LAG_TIME_MAX_MS),
                properties.getProperty("advertised.host"), intValue(properties, "advertised.client.port", 0),
                externalListener(properties), longValue(properties, "log.retention.check.interval.ms",
                DEFAULT_RETENTION_CHECK_INTERVAL_MS),
                new Cleaner(longValue(properties, "log.cleaner.backoff.ms", Cleaner.DEFAULT.backoffMs()),
                        longValue(properties, "log.cleaner.io.max.bytes.per.second", Cleaner.DEFAULT.ioMaxBytesPerSecond()),
                        longValue(properties, "log.cleaner.dedupe.buffer.size", Cleaner.DEFAULT.dedupeBufferBytes())),
                checkpoints(properties), intValue(properties, "log.max.open.segment.files",
                LogManager.DEFAULT_MAX_OPEN_SEGMENT_FILES),
                longValue(properties, "log.verifier.io.max.bytes.per.second", DEFAULT_VERIFIER_IO_MAX_BYTES_PER_SECOND),
                new Groups(intValue(properties, "offsets.topic.num.partitions", Groups.DEFAULT.offsetsTopicPartitions()),
                        intValue(properties, "offsets.topic.replication.factor", Groups.DEFAULT.offsetsTopicReplicationFactor()),
                        intValue(properties, "group.consumer.session.timeout.ms", Groups.DEFAULT.sessionTimeoutMs()),
                        intValue(properties, "group.consumer.heartbeat.interval.ms", Groups.DEFAULT.heartbeatIntervalMs()),
                        intValue(properties, "group.consumer.max.size", Groups.DEFAULT.maxSize()),
                        intValue(properties, "offset.metadata.max.bytes", Groups.DEFAULT.metadataMaxBytes()),
                        TimeUnit.MINUTES.toMillis(longValue(properties, "offsets.retention.minutes",
                                TimeUnit.MILLISECONDS.toMinutes(Groups.DEFAULT.offsetsRetentionMs()))),
                        longValue(properties, "offsets.retention.check.interval.ms",
                                Groups.DEFAULT.offsetsRetentionCheckIntervalMs()),
                        classicGroupConfig(properties)),
                new KafkaListener(intValue(properties, "kafka.port", KafkaListener.DEFAULT_PORT),
                        properties.getProperty("kafka.advertised.host"), intValue(properties, "kafka.advertised.port", 0),
                        Boolean.parseBoolean(properties.getProperty("auto.create.topics.enable", "true").trim()),
                        intValue(properties, "num.partitions", 1)));
    }

    private static LogManager.Checkpoints checkpoints(Properties properties) {
        long bytes = longValue(properties, "log.journal.checkpoint.bytes", LogManager.Checkpoints.DEFAULT.journalBytes());
        long intervalMs = longValue(properties, "log.journal.checkpoint.interval.ms",
                LogManager.Checkpoints.DEFAULT.intervalMs());
        if (bytes < 1 || intervalMs < 1) {
            throw new ConfigException("log.journal.checkpoint.bytes and log.journal.checkpoint.interval.ms must be >= 1, got "
                    + bytes + " and " + intervalMs);
        }
        return new LogManager.Checkpoints(bytes, intervalMs);
    }

    private static ExternalListener externalListener(Properties properties) {
        int port = intValue(properties, "external.port", -1);
        if (port < 0) {
            for (String key : List.of("external.advertised.host", "external.advertised.port")) {
                if (properties.getProperty(key) != null) {
                    throw new ConfigException(key + " is set but external.port is not (the external listener is off)");
                }
            }
            return null;
        }
        return new ExternalListener(port, properties.getProperty("external.advertised.host"),
                intValue(properties, "external.advertised.port", 0));
    }

    private static List<Voter> members(Properties properties, String key) {
        List<Voter> members = new ArrayList<>();
        String text = properties.getProperty(key, "").trim();
        if (!text.isEmpty()) {
            for (String entry : text.split(",")) {
                members.add(Voter.parse(entry.trim()));
            }
        }
        return members;
    }

    private static ClassicGroupConfig classicGroupConfig(Properties properties) {
        ClassicGroupConfig d = ClassicGroupConfig.DEFAULTS;
        try {
            return new ClassicGroupConfig(intValue(properties, "group.min.session.timeout.ms", d.minSessionTimeoutMs()),
                    intValue(properties, "group.max.session.timeout.ms", d.maxSessionTimeoutMs()),
                    intValue(properties, "group.initial.rebalance.delay.ms", d.initialRebalanceDelayMs()),
                    intValue(properties, "group.max.size", d.maxSize()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static int intValue(Properties properties, String key, int defaultValue) {
        long value = longValue(properties, key, defaultValue);
        if (value != (int) value) {
            throw new ConfigException(key + " must be a 32-bit integer, got " + value);
        }
        return (int) value;
    }

    private static long longValue(Properties properties, String key, long defaultValue) {
        String value = properties.getProperty(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be an integer, got '" + value + "'");
        }
    }
}
