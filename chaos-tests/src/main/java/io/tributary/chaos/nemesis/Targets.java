package io.tributary.chaos.nemesis;

import io.tributary.chaos.cluster.ChaosCluster;
import java.util.List;
import java.util.random.RandomGenerator;

/** Picks what a nemesis strikes: the leader of a workload partition, the active controller, any node. */
public final class Targets {
    private final ChaosCluster cluster;
    private final String topic;
    private final int partitions;

    public Targets(ChaosCluster cluster, String topic, int partitions) {
        this.cluster = cluster;
        this.topic = topic;
        this.partitions = partitions;
    }

    /** A running node, chosen by {@code random}. */
    /** The workload's topic, whose partition leaders are the targets. */
    public String topic() {
        return topic;
    }

    /** How many partitions the workload's topic has. */
    public int partitionCount() {
        return partitions;
    }

    public int anyUpNode(RandomGenerator random) {
        List<Integer> up = cluster.upNodes();
        if (up.isEmpty()) {
            throw new NoTargetException("no node is up");
        }
        return up.get(random.nextInt(up.size()));
    }

    /** The leader of a random workload partition if it is up and known, else any running node. */
    public int partitionLeader(RandomGenerator random) {
        int leader = cluster.leaderOf(topic, random.nextInt(partitions));
        return leader > 0 && cluster.isUp(leader) ? leader : anyUpNode(random);
    }

    /** The active controller if known and up, else any running node. */
    public int activeController(RandomGenerator random) {
        int controller = cluster.activeController();
        return controller > 0 && cluster.isUp(controller) ? controller : anyUpNode(random);
    }

    /** Nothing to strike right now (every node is down): the schedule skips the fault. */
    public static final class NoTargetException extends RuntimeException {
        NoTargetException(String message) {
            super(message);
        }
    }
}
