package io.tributary.metadata;

import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.PartitionChangeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * Decides one partition's next leader and ISR; pure (Kafka's PartitionChangeBuilder in spirit).
 * Eligible brokers are those that may lead: registered, unfenced, not shutting down.
 *
 * <table>
 *   <caption>rules, applied in this order</caption>
 *   <tr><th>step</th><th>rule</th></tr>
 *   <tr><td>{@link #removeFromIsr}</td><td>the broker leaves the ISR, unless it is the last member
 *       (kept so that it can come back as leader: no committed data is given up)</td></tr>
 *   <tr><td>{@link #electPreferredLeader}</td><td>the first replica becomes leader if it is
 *       eligible and in the ISR</td></tr>
 *   <tr><td>keep</td><td>a leader that is still eligible and in the ISR stays</td></tr>
 *   <tr><td>clean election</td><td>else the first replica (replica order) that is in the ISR and
 *       eligible; none: {@link PartitionRegistration#NO_LEADER}</td></tr>
 *   <tr><td>unclean election</td><td>only if enabled and no ISR member is eligible: the first
 *       eligible replica outside the ISR leads and the ISR becomes just it</td></tr>
 *   <tr><td>epochs</td><td>a leader change bumps leader_epoch; any change bumps partition_epoch;
 *       no change, no record</td></tr>
 * </table>
 */
public final class PartitionChangeBuilder {
    private final String topicId;
    private final PartitionRegistration partition;
    private final IntPredicate eligible;
    private final boolean uncleanElectionEnabled;
    private final List<Integer> toRemove = new ArrayList<>();
    private boolean electPreferred;

    public PartitionChangeBuilder(String topicId, PartitionRegistration partition, IntPredicate eligible,
                                  boolean uncleanElectionEnabled) {
        this.topicId = topicId;
        this.partition = partition;
        this.eligible = eligible;
        this.uncleanElectionEnabled = uncleanElectionEnabled;
    }

    /** The broker is fenced or shutting down: take it out of the ISR (unless it is the last member). */
    public PartitionChangeBuilder removeFromIsr(int brokerId) {
        toRemove.add(brokerId);
        return this;
    }

    /** Move leadership to the first replica where it is eligible and in the ISR. */
    public PartitionChangeBuilder electPreferredLeader() {
        electPreferred = true;
        return this;
    }

    /** The change, or empty when the partition stays as it is. */
    public Optional<PartitionChangeRecord> build() {
        List<Integer> isr = new ArrayList<>(partition.isr());
        for (int brokerId : toRemove) {
            if (isr.size() > 1) {
                isr.remove(Integer.valueOf(brokerId));
            }
        }
        int leader = partition.leader();
        boolean leaderValid = leader != PartitionRegistration.NO_LEADER && isr.contains(leader) && eligible.test(leader);
        int preferred = partition.replicas().isEmpty() ? PartitionRegistration.NO_LEADER : partition.replicas().get(0);
        if (electPreferred && preferred != leader && isr.contains(preferred) && eligible.test(preferred)) {
            leader = preferred;
            leaderValid = true;
        }
        if (!leaderValid) {
            leader = firstEligible(isr, true);
            if (leader == PartitionRegistration.NO_LEADER && uncleanElectionEnabled) {
                leader = firstEligible(isr, false);
                if (leader != PartitionRegistration.NO_LEADER) {
                    isr = List.of(leader);
                }
            }
        }
        boolean leaderChanged = leader != partition.leader();
        boolean isrChanged = !isr.equals(partition.isr());
        if (!leaderChanged && !isrChanged) {
            return Optional.empty();
        }
        PartitionChangeRecord.Builder r = PartitionChangeRecord.newBuilder().setTopicId(topicId)
                .setPartition(partition.partition())
                .setLeaderEpoch(partition.leaderEpoch() + (leaderChanged ? 1 : 0))
                .setPartitionEpoch(partition.partitionEpoch() + 1);
        if (leaderChanged) {
            r.setLeader(leader);
        }
        if (isrChanged) {
            r.setIsrChanged(true).addAllIsr(isr);
        }
        return Optional.of(r.build());
    }

    /** {@link #build} wrapped as a metadata record. */
    public Optional<MetadataRecord> buildRecord() {
        return build().map(r -> MetadataRecord.newBuilder().setPartitionChange(r).build());
    }

    /** The first replica, in replica order, that is eligible and (inIsr) in / (!inIsr) outside the ISR. */
    private int firstEligible(List<Integer> isr, boolean inIsr) {
        for (int replica : partition.replicas()) {
            if (isr.contains(replica) == inIsr && eligible.test(replica)) {
                return replica;
            }
        }
        return PartitionRegistration.NO_LEADER;
    }
}
