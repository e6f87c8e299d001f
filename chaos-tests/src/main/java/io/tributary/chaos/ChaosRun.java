package io.tributary.chaos;

import io.tributary.chaos.checker.Availability;
import io.tributary.chaos.checker.CheckResult;
import io.tributary.chaos.checker.CompactionChecks;
import io.tributary.chaos.checker.HistoryChecker;
import io.tributary.chaos.checker.ReplicaDump;
import io.tributary.chaos.cluster.ChaosCluster;
import io.tributary.chaos.history.History;
import io.tributary.chaos.history.HistoryEvent;
import io.tributary.chaos.history.HistoryEvent.Type;
import io.tributary.chaos.history.ReplicaDumpFile;
import io.tributary.chaos.disk.NodeDisk;
import io.tributary.chaos.nemesis.Nemesis;
import io.tributary.chaos.nemesis.NemesisSchedule;
import io.tributary.chaos.nemesis.Nemeses;
import io.tributary.chaos.nemesis.Targets;
import io.tributary.chaos.workload.ChaosWorkload;
import io.tributary.chaos.workload.ReplicaDumper;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.proto.v1.PartitionDescription;
import io.tributary.proto.v1.TopicDescription;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chaos run, start to verdict: build the network and start the cluster, create the topic, run
 * the workload while the {@link NemesisSchedule} injects faults, heal everything, let the workload
 * show it recovered, drain every partition, stop the nodes and read their disks, then check the
 * history. The history ({@code history.tsv}), the report ({@code report.txt}) and each node's log
 * stay in the run's directory, so a run can be checked again and a failure studied.
 */
public final class ChaosRun {
    private static final Logger log = LoggerFactory.getLogger(ChaosRun.class);
    public static final String TOPIC = "chaos";
    public static final String HISTORY_FILE = "history.tsv";
    public static final String REPLICAS_FILE = "replicas.tsv";
    /** A compacted topic (one partition) beside the main one, checked by "latest value per key". */
    public static final String COMPACTED_TOPIC = "chaos-compacted";
    public static final String COMPACTED_HISTORY_FILE = "compacted-history.tsv";
    public static final String COMPACTED_REPLICAS_FILE = "compacted-replicas.tsv";
    private static final int COMPACTED_RATE = 50;
    private static final int COMPACTED_KEYS = 20;
    /** Each producer's unanswered sends per partition (a cap of 200 over all partitions let one stuck partition stall all). */

    /** The verdict and where the evidence is. */
    /** @param compaction the compacted topic's verdict, null for a run without one */
    public record Outcome(CheckResult check, Availability availability, CompactionChecks.Result compaction, Path dir,
                          String report) {
        public boolean valid() {
            return check.valid() && (compaction == null || compaction.valid());
        }
    }

    private final ChaosOptions options;

    public ChaosRun(ChaosOptions options) {
        this.options = options;
    }

    public Outcome run() throws Exception {
        Path dir = options.dir();
        clearEarlierRun(dir);
        Files.createDirectories(dir);
        Path historyFile = dir.resolve(HISTORY_FILE);
        List<String> nodeProperties = new java.util.ArrayList<>(List.of("default.replication.factor=" + options.replicationFactor()));
        if (options.nodeProperties().stream().noneMatch(p -> p.startsWith("log.cleaner.backoff.ms="))) {
            nodeProperties.add("log.cleaner.backoff.ms=1000"); // compaction runs many times in a run
        }
        if (options.nodeProperties().stream().noneMatch(p -> p.startsWith("log.retention.check.interval.ms="))) {
            nodeProperties.add("log.retention.check.interval.ms=1000"); // the retention nemesis's spells delete at once
        }
        if (options.nodeProperties().stream().noneMatch(p -> p.startsWith("log.journal.checkpoint.interval.ms="))) {
            nodeProperties.add("log.journal.checkpoint.interval.ms=2000"); // compaction waits for checkpointed segments
        }
        for (String groups : List.of("group.consumer.session.timeout.ms=6000", "group.consumer.heartbeat.interval.ms=500",
                "offsets.topic.num.partitions=3")) { // a group member's failure is noticed within a fault's spell
            String key = groups.substring(0, groups.indexOf('=') + 1);
            if (options.nodeProperties().stream().noneMatch(p -> p.startsWith(key))) {
                nodeProperties.add(groups);
            }
        }
        nodeProperties.addAll(options.nodeProperties());
        List<Nemesis> nemeses = Nemeses.parse(options.nemesis());
        boolean disks = nemeses.stream().anyMatch(Nemesis::needsDisks);
        if (disks && NodeDisk.unavailableReason() != null) {
            throw new IllegalStateException("nemeses " + options.nemesis() + " need the power-loss filesystem: "
                    + NodeDisk.unavailableReason());
        }
        try (ChaosCluster cluster = ChaosCluster.create(dir, options.nodes(), nodeProperties, disks);
             History history = History.create(historyFile);
             History compactedHistory = History.create(dir.resolve(COMPACTED_HISTORY_FILE))) {
            cluster.startAll();
            createTopic(cluster);
            runWorkload(cluster, nemeses, history, compactedHistory);
            TopicDescription compacted = cluster.describe(COMPACTED_TOPIC).orElse(null);
            ReplicaDumpFile.write(dir.resolve(REPLICAS_FILE), stopAndDump(cluster));
            ReplicaDumpFile.write(dir.resolve(COMPACTED_REPLICAS_FILE), dump(cluster, COMPACTED_TOPIC, compacted));
            appendNodeLogLines(cluster, history);
        }
        return check(options, dir);
    }

    /** A run replaces an earlier run in its directory; a directory holding anything else is refused. */
    private static void clearEarlierRun(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> entries;
        try (var list = Files.list(dir)) {
            entries = list.toList();
        }
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            if (!name.matches("node\\d+|history\\.tsv|compacted-history\\.tsv|replicas\\.tsv|compacted-replicas\\.tsv|report\\.txt")) {
                throw new IOException(dir + " holds " + name + ", not an earlier chaos run: choose another --dir");
            }
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }

    private void createTopic(ChaosCluster cluster) {
        try (Admin admin = Admin.create(cluster.bootstrap(), Duration.ofSeconds(30))) {
            admin.createTopic(new NewTopic(TOPIC, options.partitions(), options.replicationFactor(),
                    Map.of("min.insync.replicas", "2")));
            // Small segments and a low dirty ratio: the cleaner compacts it over and over during the run.
            admin.createTopic(new NewTopic(COMPACTED_TOPIC, 1, options.replicationFactor(), Map.of(
                    "min.insync.replicas", "2", "cleanup.policy", "compact", "segment.bytes", "1024",
                    "min.cleanable.dirty.ratio", "0.1")));
        }
    }

    private void runWorkload(ChaosCluster cluster, List<Nemesis> nemeses, History history, History compactedHistory)
            throws Exception {
        ChaosWorkload workload = new ChaosWorkload(cluster.bootstrap(), TOPIC, options.partitions(), options.producers(),
                options.consumers(), options.recordsPerSecond(),
                new ChaosWorkload.CompactedTopic(COMPACTED_TOPIC, COMPACTED_RATE, COMPACTED_KEYS, compactedHistory));
        boolean drained = workload.run(() -> {
            Targets targets = new Targets(cluster, TOPIC, options.partitions());
            NemesisSchedule schedule = new NemesisSchedule(nemeses, options.seed(), 1_000, 4_000, 3_000, 8_000);
            try {
                schedule.run(cluster, targets, history, options.seconds() * 1000L);
            } finally {
                healEverything(cluster, history);
            }
        }, history);
        log.info("final drain {}", drained ? "complete" : "INCOMPLETE");
    }

    private static void healEverything(ChaosCluster cluster, History history) throws Exception {
        cluster.network().healAll();
        for (String failure : cluster.reviveAll()) {
            history.record(HistoryEvent.NEMESIS, Type.NODE_LOG, -1, "", -1, failure);
        }
        history.record(HistoryEvent.NEMESIS, Type.NEMESIS_STOP, -1, "heal-all", -1, "network whole, every node up");
    }

    /** Reads the final ISR and high watermarks, stops every node cleanly, then reads each replica from disk. */
    private List<ReplicaDump> stopAndDump(ChaosCluster cluster) throws Exception {
        TopicDescription topic = cluster.describe(TOPIC).orElse(null);
        cluster.stopAll();
        return dump(cluster, TOPIC, topic);
    }

    /** Reads each replica of {@code name} from the stopped nodes' files, with the ISR and high watermarks of {@code topic}. */
    private static List<ReplicaDump> dump(ChaosCluster cluster, String name, TopicDescription topic) throws IOException {
        List<ReplicaDump> dumps = new ArrayList<>();
        if (topic == null) {
            log.warn("no node described {} at the end: its replicas are not compared", name);
            return dumps;
        }
        for (PartitionDescription partition : topic.getPartitionsList()) {
            for (int replica : partition.getReplicasList()) {
                dumps.add(ReplicaDumper.dump(cluster.node(replica).dataDir(), replica, name,
                        partition.getPartition(), partition.getIsrList().contains(replica),
                        partition.getHighWatermark()));
            }
        }
        return dumps;
    }

    /** Every ERROR entry and uncaught exception in the nodes' logs becomes a NODE_LOG event (the checker's "crash"). */
    private void appendNodeLogLines(ChaosCluster cluster, History history) throws IOException {
        boolean diskFullInjected = Nemeses.parse(options.nemesis()).stream().anyMatch(n -> n.kind().equals("disk-full"));
        for (int id : cluster.nodeIds()) {
            for (String entry : NodeLogScan.suspicious(Files.readAllLines(cluster.node(id).log()), diskFullInjected)) {
                history.record("node" + id, Type.NODE_LOG, -1, "", -1, entry);
            }
        }
    }

    /**
     * Checks a run's history and replica dumps as found in {@code dir} (a run just made, or an old
     * one checked again) and writes {@code report.txt}.
     */
    public static Outcome check(Object settings, Path dir) throws IOException {
        Path historyFile = dir.resolve(HISTORY_FILE);
        List<HistoryEvent> events = History.read(historyFile);
        Path replicas = dir.resolve(REPLICAS_FILE);
        List<ReplicaDump> dumps = Files.exists(replicas) ? ReplicaDumpFile.read(replicas) : List.of();
        CheckResult check = new HistoryChecker().check(events, dumps);
        Availability availability = Availability.of(events);
        Path compactedFile = dir.resolve(COMPACTED_HISTORY_FILE);
        Path compactedReplicas = dir.resolve(COMPACTED_REPLICAS_FILE);
        CompactionChecks.Result compaction = Files.exists(compactedFile)
                ? CompactionChecks.check(History.read(compactedFile),
                Files.exists(compactedReplicas) ? ReplicaDumpFile.read(compactedReplicas) : List.of()) : null;
        String replay = settings instanceof ChaosOptions options ? "\nreplay: " + options.replayCommand() : "";
        String report = "chaos run: " + settings + replay + "\nhistory: " + historyFile
                + (Files.exists(replicas) ? "" : "\n(no " + REPLICAS_FILE + ": replicas not compared)")
                + "\nnode logs: " + dir + "/node*/node.log\n\n" + check.report() + "\n" + availability.report()
                + (compaction == null ? "" : "\n" + compaction.report());
        Files.writeString(dir.resolve("report.txt"), report);
        return new Outcome(check, availability, compaction, dir, report);
    }
}
