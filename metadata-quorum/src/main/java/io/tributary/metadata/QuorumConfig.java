package io.tributary.metadata;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

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
 */
public record QuorumConfig(int nodeId, Path dataDir, List<QuorumPeer> voters, String clusterId,
                           long snapshotThresholdEntries) {
    public QuorumConfig {
        Objects.requireNonNull(dataDir, "dataDir");
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
    }

    public QuorumPeer self() {
        return voters.stream().filter(v -> v.id() == nodeId).findFirst().orElseThrow();
    }
}
