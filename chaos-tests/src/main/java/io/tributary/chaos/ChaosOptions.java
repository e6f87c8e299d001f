package io.tributary.chaos;

import java.nio.file.Path;
import java.util.List;

/**
 * One chaos run's settings.
 *
 * @param nodes cluster size (combined controller + broker nodes)
 * @param seconds how long faults are injected
 * @param nemesis "all" or kinds separated by commas
 * @param seed chooses every fault, target and duration
 * @param partitions partitions of the workload topic (RF = min(3, nodes), min.insync.replicas 2)
 * @param producers idempotent acks=all producers
 * @param consumers consumers reading every partition from the start
 * @param recordsPerSecond the producers' total send rate
 * @param dir where the nodes' data and logs, the history and the report go
 * @param nodeProperties extra {@code key=value} lines for every node's properties file (e.g. a
 *     shorter {@code broker.session.timeout.ms}, to measure what it buys)
 */
public record ChaosOptions(int nodes, int seconds, String nemesis, long seed, int partitions, int producers,
                           int consumers, int recordsPerSecond, Path dir, List<String> nodeProperties) {
    /** With the nodes' default settings. */
    public ChaosOptions(int nodes, int seconds, String nemesis, long seed, int partitions, int producers,
                        int consumers, int recordsPerSecond, Path dir) {
        this(nodes, seconds, nemesis, seed, partitions, producers, consumers, recordsPerSecond, dir, List.of());
    }

    public ChaosOptions {
        nodeProperties = List.copyOf(nodeProperties);
        for (String property : nodeProperties) {
            if (!property.matches("[a-z][a-z0-9.]*=.+")) {
                throw new IllegalArgumentException("a node property is key=value, got '" + property + "'");
            }
        }
        if (nodes < 3) {
            throw new IllegalArgumentException("a chaos cluster needs at least 3 nodes, got " + nodes);
        }
        if (seconds < 1 || partitions < 1 || producers < 1 || consumers < 0 || recordsPerSecond < 1) {
            throw new IllegalArgumentException("seconds, partitions, producers and the rate must be positive");
        }
    }

    public int replicationFactor() {
        return Math.min(3, nodes);
    }

    /** The command that replays this run. */
    public String replayCommand() {
        return "chaos-tests/chaos.sh --nodes " + nodes + " --time " + seconds + " --nemesis " + nemesis + " --seed " + seed
                + " --partitions " + partitions + " --producers " + producers + " --consumers " + consumers
                + " --rate " + recordsPerSecond
                + nodeProperties.stream().map(p -> " --node-property " + p).collect(java.util.stream.Collectors.joining());
    }
}
