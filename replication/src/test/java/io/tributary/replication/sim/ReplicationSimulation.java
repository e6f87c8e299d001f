package io.tributary.replication.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A seeded, single-threaded simulation of a cluster of 3 to 5 nodes hosting several partitions
 * ({@link SimPartition}), each replicated on 3 to all of the nodes with its own min.insync.replicas.
 * Every replica is the production {@link io.tributary.replication.Replica}, driven the way the
 * broker drives it: acks=all producers, follower truncation and fetches over a lossy network
 * (drop, duplicate, delay and therefore reorder), ISR proposals whose requests or answers are lost
 * and resent, and a controller ({@link SimController}) that fences crashed brokers after a session
 * delay, moves a restarted broker's leadership away when it registers, and publishes every change
 * late. Node crashes are power losses that hit every partition on the node at once: unsynced
 * writes are lost or half kept with a torn last batch, and a high-watermark checkpoint lowered by a
 * truncation may roll back ({@link SimReplica}). Every partition's invariants are checked after every event.
 * A fault phase is followed by a healed liveness phase that must converge. Everything random comes
 * from one {@link Random} built from the seed, so a seed reproduces exactly.
 */
final class ReplicationSimulation {
    static final long FAULT_PHASE_MS = 3_000;
    static final long LIVENESS_PHASE_MS = 4_000;
    static final int MAX_EVENTS = 1_500_000;
    private static final int MAX_PARTITIONS = 4;

    private record Event(long timeMs, long seq, Runnable action) {
    }

    private final long seed;
    final Random random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>(
            (a, b) -> a.timeMs != b.timeMs ? Long.compare(a.timeMs, b.timeMs) : Long.compare(a.seq, b.seq));
    private final int nodeCount;
    private final double crashRate;
    private final boolean[] nodeUp;
    private final List<SimPartition> partitions = new ArrayList<>();
    long nowMs;
    private long seq;
    boolean faults = true;
    final List<String> trace = new ArrayList<>();

    ReplicationSimulation(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
        this.nodeCount = 3 + random.nextInt(3);
        this.crashRate = random.nextDouble() * 0.01;
        this.nodeUp = new boolean[nodeCount + 1];
        int partitionCount = 1 + random.nextInt(MAX_PARTITIONS);
        for (int p = 0; p < partitionCount; p++) {
            int replicas = 3 + random.nextInt(nodeCount - 2);
            int minIsr = 2 + random.nextInt(replicas / 2);
            partitions.add(new SimPartition(this, p, replicas, minIsr));
        }
    }

    int ackedCount() {
        return partitions.stream().mapToInt(SimPartition::ackedCount).sum();
    }

    int producedCount() {
        return partitions.stream().mapToInt(SimPartition::producedCount).sum();
    }

    void schedule(long delayMs, Runnable action) {
        queue.add(new Event(nowMs + delayMs, seq++, action));
    }

    void log(String s) {
        trace.add(nowMs + " " + s);
        if (trace.size() > 200) {
            trace.remove(0);
        }
    }

    /** Runs the fault phase then the liveness phase; throws AssertionError naming the seed on any violation. */
    void run() {
        java.util.Arrays.fill(nodeUp, true);
        partitions.forEach(SimPartition::start);
        schedule(1, this::faultTick);
        int events = 0;
        while (!queue.isEmpty()) {
            Event e = queue.poll();
            nowMs = e.timeMs;
            if (faults && nowMs >= FAULT_PHASE_MS) {
                heal();
            }
            if (nowMs > FAULT_PHASE_MS + LIVENESS_PHASE_MS) {
                break;
            }
            e.action.run();
            for (SimPartition p : partitions) {
                p.checkInvariants();
            }
            if (++events > MAX_EVENTS) {
                fail("event cap reached");
            }
        }
        partitions.forEach(SimPartition::checkConverged);
    }

    private void heal() {
        faults = false;
        log("heal");
        java.util.Arrays.fill(nodeUp, true);
        partitions.forEach(SimPartition::heal);
    }

    private void faultTick() {
        if (!faults) {
            return;
        }
        for (int node = 1; node <= nodeCount; node++) {
            if (nodeUp[node] && random.nextDouble() < crashRate) {
                crashNode(node);
            } else if (!nodeUp[node] && random.nextDouble() < 0.05) {
                log("restart node " + node);
                nodeUp[node] = true;
                for (SimPartition p : partitions) {
                    p.restartNode(node);
                }
            }
        }
        partitions.forEach(SimPartition::maybeMoveLeadership);
        if (random.nextDouble() < 0.0005) {
            log("power loss of every node");
            for (int node = 1; node <= nodeCount; node++) {
                if (nodeUp[node]) {
                    crashNode(node);
                }
            }
        }
        schedule(5, this::faultTick);
    }

    private void crashNode(int node) {
        log("crash node " + node);
        nodeUp[node] = false;
        for (SimPartition p : partitions) {
            p.crashNode(node);
        }
    }

    void fail(String message) {
        throw new AssertionError("seed " + seed + " at " + nowMs + "ms: " + message
                + "\nreproduce: mvn -o -pl replication test -Dtest=ReplicationSimulationTest -Dtributary.sim.seed=" + seed
                + "\nlast events:\n" + String.join("\n", trace.subList(Math.max(0, trace.size() - 40), trace.size())));
    }
}
