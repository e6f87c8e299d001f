package io.tributary.chaos.cluster;

import io.tributary.chaos.disk.NodeDisk;
import io.tributary.chaos.net.NetworkLab;
import io.tributary.cli.local.LocalProcessCluster;
import io.tributary.client.Admin;
import io.tributary.proto.v1.DescribeClusterResponse;
import io.tributary.proto.v1.PartitionDescription;
import io.tributary.proto.v1.TopicDescription;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster of combined nodes under test, each a JVM in its own network namespace of a
 * {@link NetworkLab}, plus what the nemeses need to know about it: which nodes are down or paused,
 * who leads a partition, who is the active controller. Process control is the
 * {@link LocalProcessCluster}'s; this class adds the network and the bookkeeping.
 */
public final class ChaosCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChaosCluster.class);
    private static final Duration OBSERVE_TIMEOUT = Duration.ofSeconds(3);

    private final NetworkLab lab;
    private final LocalProcessCluster processes;
    private final Map<Integer, NodeDisk> disks = new TreeMap<>();
    private final int size;
    private final Set<Integer> down = new HashSet<>();
    private final Set<Integer> paused = new HashSet<>();
    /** Nodes launched without waiting whose readiness nobody has seen yet, with their launch times (nanoTime). */
    private final Map<Integer, Long> launchedNotReady = new TreeMap<>();

    private ChaosCluster(NetworkLab lab, LocalProcessCluster processes, int size) {
        this.lab = lab;
        this.processes = processes;
        this.size = size;
    }

    /**
     * Builds the network and lays out {@code size} combined nodes under {@code root}; starts none.
     * With {@code powerLossDisks} each node's data directory is a {@link NodeDisk} mount, so that disk
     * faults (power loss, a lost disk, a full or slow disk) can be played.
     */
    public static ChaosCluster create(Path root, int size, List<String> nodeProperties, boolean powerLossDisks)
            throws IOException {
        NetworkLab lab = NetworkLab.create(size);
        ChaosCluster cluster = null;
        try {
            cluster = new ChaosCluster(lab, LocalProcessCluster.create(root, lab.placement(), size, true, 0,
                    nodeProperties), size);
            if (powerLossDisks) {
                for (int id = 1; id <= size; id++) {
                    NodeDisk disk = new NodeDisk(cluster.node(id).dir().resolve("disk"), cluster.node(id).dataDir());
                    cluster.disks.put(id, disk);
                    disk.mount();
                }
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            if (cluster != null) {
                cluster.disks.values().forEach(NodeDisk::close);
            }
            lab.close();
            throw e;
        }
    }

    /** Whether the nodes' data directories are power-loss mounts. */
    public boolean hasDisks() {
        return !disks.isEmpty();
    }

    /** The node's disk; only with power-loss disks. */
    public NodeDisk disk(int id) {
        NodeDisk disk = disks.get(id);
        if (disk == null) {
            throw new IllegalStateException("the cluster runs without power-loss disks");
        }
        return disk;
    }

    public NetworkLab network() {
        return lab;
    }

    public int size() {
        return size;
    }

    public List<Integer> nodeIds() {
        List<Integer> ids = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            ids.add(id);
        }
        return ids;
    }

    public List<String> bootstrap() {
        return List.of(processes.bootstrap().split(","));
    }

    public LocalProcessCluster.Node node(int id) {
        return processes.node(id);
    }

    public void startAll() throws IOException, InterruptedException {
        processes.startAll();
    }

    /**
     * When the node said its log directory failed and it stops, waits up to {@code limit} for it to
     * exit; its exit status, or empty if it is not stopping (or still runs after the limit).
     */
    public java.util.OptionalInt awaitExitIfStopping(int id, Duration limit) throws IOException, InterruptedException {
        return processes.isStoppingOnStorageFailure(id) ? processes.awaitExit(id, limit) : java.util.OptionalInt.empty();
    }

    /** The node process's exit status once it exited (on its own, or stopped); empty while it runs. */
    public java.util.OptionalInt exitCode(int id) {
        return processes.exitCode(id);
    }

    // ---------------------------------------------------------------- process faults

    public synchronized boolean isUp(int id) {
        return !down.contains(id) && !paused.contains(id);
    }

    /** Nodes that run and are not paused. */
    public synchronized List<Integer> upNodes() {
        return nodeIds().stream().filter(this::isUp).toList();
    }

    public void kill9(int id) throws InterruptedException {
        synchronized (this) {
            down.add(id);
            paused.remove(id);
        }
        processes.kill9(id);
    }

    /** SIGTERM: a controlled shutdown. */
    public void stop(int id) throws InterruptedException {
        synchronized (this) {
            down.add(id);
        }
        processes.stop(id);
    }

    /**
     * Starts a stopped or killed node and waits until it says it is ready. A process left from a
     * start that never got ready is killed first.
     */
    public void restart(int id) throws IOException, InterruptedException {
        processes.kill9(id);
        processes.start(id);
        synchronized (this) {
            down.remove(id);
        }
    }

    /**
     * Starts a stopped or killed node without waiting until it is ready: a node started while a
     * network fault cuts it off waits for the quorum and serves once the fault heals, so a heal
     * must not wait for it ({@link #reviveAll} does, once every fault is healed).
     */
    public void relaunch(int id) throws IOException, InterruptedException {
        processes.kill9(id);
        processes.launch(id);
        synchronized (this) {
            down.remove(id);
            launchedNotReady.put(id, System.nanoTime());
        }
    }

    /**
     * Waits up to {@code limit} until every partition of {@code topic} has all its replicas in its
     * ISR; returns how long that took, or -1 if it did not happen in time. A node serves before its
     * replicas have caught up, and a fault played meanwhile meets partitions with fewer in-sync
     * replicas than a whole cluster has: two faults at once again.
     */
    public long awaitFullIsr(String topic, Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<TopicDescription> description = describe(topic);
            if (description.isPresent() && description.get().getPartitionsList().stream()
                    .allMatch(p -> p.getIsrCount() == p.getReplicasCount())) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(200); // polling the cluster's metadata: there is nothing to block on
        }
        return -1;
    }

    /** A relaunched node that got ready, and how long after its launch. */
    public record Ready(int nodeId, long millisAfterLaunch) {
    }

    /**
     * Waits up to {@code limit} for the nodes relaunched by heals to be ready, so that the next fault
     * meets a whole cluster (a fault played on a cluster still restarting is two faults at once)
     * and the restart time is measured. Returns the nodes that got ready; one that did not stays
     * awaited by the next call (and by {@link #reviveAll}).
     */
    public List<Ready> awaitRelaunched(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        List<Ready> ready = new ArrayList<>();
        while (true) {
            Map<Integer, Long> waiting;
            synchronized (this) {
                waiting = new TreeMap<>(launchedNotReady);
            }
            for (Map.Entry<Integer, Long> node : waiting.entrySet()) {
                int id = node.getKey();
                if (processes.isReady(id) || !processes.isAlive(id)) {
                    synchronized (this) {
                        launchedNotReady.remove(id);
                    }
                    if (processes.isAlive(id)) {
                        ready.add(new Ready(id, (System.nanoTime() - node.getValue()) / 1_000_000));
                    }
                }
            }
            synchronized (this) {
                if (launchedNotReady.isEmpty() || System.nanoTime() > deadline) {
                    return ready;
                }
            }
            Thread.sleep(50); // polling another process's log file: there is nothing to block on
        }
    }

    public void pause(int id) throws IOException, InterruptedException {
        processes.pause(id);
        synchronized (this) {
            paused.add(id);
        }
    }

    public void resume(int id) throws IOException, InterruptedException {
        processes.resume(id);
        synchronized (this) {
            paused.remove(id);
        }
    }

    /**
     * Resumes every paused node and restarts every stopped one: the process side of a full heal.
     * Returns the nodes that could not be started again (each is logged), so the run goes on to
     * its verdict.
     */
    public List<String> reviveAll() throws IOException, InterruptedException {
        List<String> failures = new ArrayList<>();
        for (int id : nodeIds()) {
            boolean wasPaused;
            boolean wasDown;
            synchronized (this) {
                wasPaused = paused.contains(id);
                wasDown = down.contains(id) || !processes.isAlive(id);
            }
            if (wasPaused && !wasDown) {
                resume(id);
            }
            if (wasDown) {
                try {
                    restart(id);
                } catch (IOException | RuntimeException e) {
                    log.warn("node {} could not be started again: {}", id, e.getMessage());
                    failures.add("node " + id + " could not be started again: " + e.getMessage());
                }
            } else {
                try {
                    processes.awaitReady(id); // relaunched by a heal while cut off: ready now that all is healed
                } catch (IOException | RuntimeException e) {
                    log.warn("node {} did not get ready: {}", id, e.getMessage());
                    failures.add("node " + id + " did not get ready after the heal: " + e.getMessage());
                }
            }
        }
        return failures;
    }

    /** kill -9 every running node at once (all "lose power" together when their disks do too). */
    public void kill9All() throws InterruptedException {
        synchronized (this) {
            down.addAll(nodeIds());
            paused.clear();
        }
        processes.kill9All();
    }

    /**
     * Starts every node that is not running, all together and without waiting until they are ready
     * (as {@link #relaunch}: a node cut off by a network fault still active gets ready when it heals;
     * {@link #reviveAll} waits for every node at the end).
     */
    public void relaunchAll() throws IOException, InterruptedException {
        for (int id : nodeIds()) {
            if (!processes.isAlive(id)) {
                processes.launch(id);
                synchronized (this) {
                    down.remove(id);
                    launchedNotReady.put(id, System.nanoTime());
                }
            }
        }
    }

    /** SIGTERM to every node, one after another (they write their clean-shutdown state). */
    public void stopAll() throws InterruptedException {
        for (int id : nodeIds()) {
            stop(id);
        }
    }

    // ---------------------------------------------------------------- observing

    /** The topic as some reachable node describes it, if any answers within a few seconds. */
    public Optional<TopicDescription> describe(String topic) {
        for (int id : upNodes()) {
            try (Admin admin = Admin.create(List.of(node(id).bootstrap()), OBSERVE_TIMEOUT)) {
                List<TopicDescription> topics = admin.describeTopics(List.of(topic));
                if (!topics.isEmpty() && topics.get(0).getPartitionsCount() > 0) {
                    return Optional.of(topics.get(0));
                }
            } catch (RuntimeException e) {
                log.debug("node {} did not describe {}: {}", id, topic, e.toString());
            }
        }
        return Optional.empty();
    }

    /** The leader of a partition, or -1 when unknown. */
    public int leaderOf(String topic, int partition) {
        return describe(topic).map(t -> t.getPartitionsList().stream().filter(p -> p.getPartition() == partition)
                .mapToInt(PartitionDescription::getLeaderId).findFirst().orElse(-1)).orElse(-1);
    }

    /** The active controller as a reachable node sees it, or -1 when none is known. */
    public int activeController() {
        for (int id : upNodes()) {
            try (Admin admin = Admin.create(List.of(node(id).bootstrap()), OBSERVE_TIMEOUT)) {
                DescribeClusterResponse cluster = admin.describeCluster();
                if (cluster.getControllerId() > 0) {
                    return cluster.getControllerId();
                }
            } catch (RuntimeException e) {
                log.debug("node {} did not describe the cluster: {}", id, e.toString());
            }
        }
        return -1;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            processes.close();
        } finally {
            disks.values().forEach(NodeDisk::close);
            lab.close();
        }
    }
}
