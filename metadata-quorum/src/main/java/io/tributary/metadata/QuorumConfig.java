package io.tributary.metadata;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * Configuration of one metadata-quorum node.
 *
 * @param nodeId this node's id; must be one of {@code voters} or of {@code listeners}
 * @param dataDir the node's data directory; the quorum keeps its Raft log and snapshots under
 *     {@code dataDir/metadata}
 * @param voters all voters of the quorum (the same list on every node)
 * @param listeners the non-voting members (the same list on every node; may be empty): broker-only
 *     nodes that follow the metadata log as Ratis LISTENERs. They apply every entry and can submit
 *     commands, but never vote, never lead and do not count towards the quorum.
 * @param clusterId the cluster id, used when the quorum is first formed on this data dir; null
 *     derives one from the Raft group and the voter list. Once formed, the stored id wins.
 * @param snapshotThresholdEntries take a snapshot (and purge the log behind it) after this many
 *     applied entries
 * @param brokerSessionTimeoutMs the active controller fences a broker that sent no heartbeat for
 *     this long ({@code broker.session.timeout.ms})
 * @param clockMs the active controller's clock for leases, in milliseconds; monotonic (the default
 *     reads {@link System#nanoTime()}); tests pass a fake one
 */
public record QuorumConfig(int nodeId, Path dataDir, List<QuorumPeer> voters, List<QuorumPeer> listeners,
                           String clusterId, long snapshotThresholdEntries, long brokerSessionTimeoutMs,
                           LongSupplier clockMs) {
    /**
     * 1 s: with one node of three down, paused or cut off, writes resume within about 2 s (the
     * chaos harness's availability figures). Kafka's KRaft uses 9 s, etcd's election timeout is 1 s.
     */
    public static final long DEFAULT_BROKER_SESSION_TIMEOUT_MS = 1000;
    public static final LongSupplier MONOTONIC_CLOCK_MS = () -> System.nanoTime() / 1_000_000;

    public QuorumConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clockMs, "clockMs");
        voters = List.copyOf(Objects.requireNonNull(voters, "voters"));
        listeners = List.copyOf(Objects.requireNonNull(listeners, "listeners"));
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("at least one voter is required");
        }
        if (Stream.concat(voters.stream(), listeners.stream()).noneMatch(p -> p.id() == nodeId)) {
            throw new IllegalArgumentException("node " + nodeId + " is neither among the voters " + voters
                    + " nor among the listeners " + listeners);
        }
        if (voters.stream().map(QuorumPeer::id).distinct().count() != voters.size()) {
            throw new IllegalArgumentException("duplicate voter ids in " + voters);
        }
        if (Stream.concat(voters.stream(), listeners.stream()).map(QuorumPeer::id).distinct().count()
                != voters.size() + listeners.size()) {
            throw new IllegalArgumentException("duplicate listener ids, or ids both voter and listener, in "
                    + listeners);
        }
        if (snapshotThresholdEntries < 1) {
            throw new IllegalArgumentException("snapshotThresholdEntries must be >= 1, got " + snapshotThresholdEntries);
        }
        if (brokerSessionTimeoutMs < 1) {
            throw new IllegalArgumentException("brokerSessionTimeoutMs must be >= 1, got " + brokerSessionTimeoutMs);
        }
    }

    /** No listeners. */
    public QuorumConfig(int nodeId, Path dataDir, List<QuorumPeer> voters, String clusterId,
                        long snapshotThresholdEntries, long brokerSessionTimeoutMs, LongSupplier clockMs) {
        this(nodeId, dataDir, voters, List.of(), clusterId, snapshotThresholdEntries, brokerSessionTimeoutMs, clockMs);
    }

    /**
     * No listeners, the default session timeout ({@value #DEFAULT_BROKER_SESSION_TIMEOUT_MS} ms) and
     * the monotonic clock.
     */
    public QuorumConfig(int nodeId, Path dataDir, List<QuorumPeer> voters, String clusterId,
                        long snapshotThresholdEntries) {
        this(nodeId, dataDir, voters, clusterId, snapshotThresholdEntries, DEFAULT_BROKER_SESSION_TIMEOUT_MS,
                MONOTONIC_CLOCK_MS);
    }

    /** No listeners, the given session timeout and the monotonic clock. */
    public QuorumConfig(int nodeId, Path dataDir, List<QuorumPeer> voters, String clusterId,
                        long snapshotThresholdEntries, long brokerSessionTimeoutMs) {
        this(nodeId, dataDir, voters, clusterId, snapshotThresholdEntries, brokerSessionTimeoutMs, MONOTONIC_CLOCK_MS);
    }

    /** This node's peer entry, among the voters or the listeners. */
    public QuorumPeer self() {
        return Stream.concat(voters.stream(), listeners.stream()).filter(v -> v.id() == nodeId).findFirst()
                .orElseThrow();
    }

    /** Whether this node is a listener (a non-voting member) rather than a voter. */
    public boolean isListener() {
        return voters.stream().noneMatch(v -> v.id() == nodeId);
    }

    public QuorumConfig withBrokerSessionTimeoutMs(long timeoutMs) {
        return new QuorumConfig(nodeId, dataDir, voters, listeners, clusterId, snapshotThresholdEntries, timeoutMs,
                clockMs);
    }

    public QuorumConfig withClockMs(LongSupplier clock) {
        return new QuorumConfig(nodeId, dataDir, voters, listeners, clusterId, snapshotThresholdEntries,
                brokerSessionTimeoutMs, clock);
    }

    public QuorumConfig withListeners(List<QuorumPeer> newListeners) {
        return new QuorumConfig(nodeId, dataDir, voters, newListeners, clusterId, snapshotThresholdEntries,
                brokerSessionTimeoutMs, clockMs);
    }
}
