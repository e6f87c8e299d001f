package io.tributary.metadata;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Configuration of one metadata-quorum node.
 *
 * @param nodeId this node's id; must be one of {@code voters}
 * @param dataDir the node's data directory; the quorum keeps its Raft log and snapshots under
 *     {@code dataDir/metadata}
 * @param voters all voters of the quorum (the same list on every node)
 * @param clusterId the cluster id, used when the quorum is first formed on this data dir; null
 *     derives one from the Raft group and the voter list. Once formed, the stored id wins.
 * @param snapshotThresholdEntries take a snapshot (and purge the log behind it) after this many
 *     applied entries
 * @param brokerSessionTimeoutMs the active controller fences a broker that sent no heartbeat for
 *     this long ({@code broker.session.timeout.ms})
 * @param clockMs the active controller's clock for leases, in milliseconds; monotonic (the default
 *     reads {@link System#nanoTime()}); tests pass a fake one
 */
public record QuorumConfig(int nodeId, Path dataDir, List<QuorumPeer> voters, String clusterId,
                           long snapshotThresholdEntries, long brokerSessionTimeoutMs, LongSupplier clockMs) {
    public static final long DEFAULT_BROKER_SESSION_TIMEOUT_MS = 1500;
    public static final LongSupplier MONOTONIC_CLOCK_MS = () -> System.nanoTime() / 1_000_000;

    public QuorumConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clockMs, "clockMs");
        voters = List.copyOf(Objects.requireNonNull(voters, "voters"));
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("at least one voter is required");
        }
        if (voters.stream().noneMatch(v -> v.id() == nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " is not among the voters " + voters);
        }
        if (voters.stream().map(QuorumPeer::id).distinct().count() != voters.size()) {
            throw new IllegalArgumentException("duplicate voter ids in " + voters);
        }
        if (snapshotThresholdEntries < 1) {
            throw new IllegalArgumentException("snapshotThresholdEntries must be >= 1, got " + snapshotThresholdEntries);
        }
        if (brokerSessionTimeoutMs < 1) {
            throw new IllegalArgumentException("brokerSessionTimeoutMs must be >= 1, got " + brokerSessionTimeoutMs);
        }
    }

    /** The default session timeout ({@value #DEFAULT_BROKER_SESSION_TIMEOUT_MS} ms) and the monotonic clock. */
    public QuorumConfig(int nodeId, Path dataDir, List<QuorumPeer> voters, String clusterId,
                        long snapshotThresholdEntries) {
        this(nodeId, dataDir, voters, clusterId, snapshotThresholdEntries, DEFAULT_BROKER_SESSION_TIMEOUT_MS,
                MONOTONIC_CLOCK_MS);
    }

    /** The given session timeout and the monotonic clock. */
    public QuorumConfig(int nodeId, Path dataDir, List<QuorumPeer> voters, String clusterId,
                        long snapshotThresholdEntries, long brokerSessionTimeoutMs) {
        this(nodeId, dataDir, voters, clusterId, snapshotThresholdEntries, brokerSessionTimeoutMs, MONOTONIC_CLOCK_MS);
    }

    public QuorumPeer self() {
        return voters.stream().filter(v -> v.id() == nodeId).findFirst().orElseThrow();
    }

    public QuorumConfig withBrokerSessionTimeoutMs(long timeoutMs) {
        return new QuorumConfig(nodeId, dataDir, voters, clusterId, snapshotThresholdEntries, timeoutMs, clockMs);
    }

    public QuorumConfig withClockMs(LongSupplier clock) {
        return new QuorumConfig(nodeId, dataDir, voters, clusterId, snapshotThresholdEntries, brokerSessionTimeoutMs,
                clock);
    }
}
