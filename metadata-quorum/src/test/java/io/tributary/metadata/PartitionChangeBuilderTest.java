package io.tributary.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.proto.metadata.v1.PartitionChangeRecord;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

class PartitionChangeBuilderTest {
    private static final int NONE = PartitionRegistration.NO_LEADER;

    static PartitionRegistration partition(List<Integer> replicas, List<Integer> isr, int leader) {
        return new PartitionRegistration(0, replicas, isr, leader, 5, 9);
    }

    static IntPredicate eligible(Integer... ids) {
        Set<Integer> set = Set.of(ids);
        return set::contains;
    }

    static PartitionChangeRecord change(Optional<PartitionChangeRecord> r) {
        assertThat(r).isPresent();
        return r.get();
    }

    @Test
    void fencedLeaderLeavesIsrAndTheFirstEligibleReplicaInIsrLeads() {
        var p = partition(List.of(1, 2, 3), List.of(3, 1, 2), 1);
        var r = change(new PartitionChangeBuilder("t", p, eligible(2, 3), false).removeFromIsr(1).build());
        assertThat(r.getLeader()).isEqualTo(2); // replica order, not ISR order
        assertThat(r.getIsrChanged()).isTrue();
        assertThat(r.getIsrList()).containsExactly(3, 2);
        assertThat(r.getLeaderEpoch()).isEqualTo(6);
        assertThat(r.getPartitionEpoch()).isEqualTo(10);
    }

    @Test
    void fencedFollowerLeavesIsrWithoutALeaderChange() {
        var p = partition(List.of(1, 2, 3), List.of(1, 2, 3), 1);
        var r = change(new PartitionChangeBuilder("t", p, eligible(1, 3), false).removeFromIsr(2).build());
        assertThat(r.hasLeader()).isFalse();
        assertThat(r.getIsrList()).containsExactly(1, 3);
        assertThat(r.getLeaderEpoch()).isEqualTo(5);
        assertThat(r.getPartitionEpoch()).isEqualTo(10);
    }

    @Test
    void lastIsrMemberStaysInIsrAndThePartitionLosesItsLeader() {
        var p = partition(List.of(1, 2), List.of(1), 1);
        var r = change(new PartitionChangeBuilder("t", p, eligible(2), false).removeFromIsr(1).build());
        assertThat(r.getLeader()).isEqualTo(NONE);
        assertThat(r.getIsrChanged()).isFalse();
        assertThat(r.getLeaderEpoch()).isEqualTo(6);
    }

    @Test
    void uncleanElectionPicksAnEligibleReplicaOutsideTheIsrOnlyWhenEnabled() {
        var p = partition(List.of(1, 2, 3), List.of(1), 1);
        var unclean = change(new PartitionChangeBuilder("t", p, eligible(3), true).removeFromIsr(1).build());
        assertThat(unclean.getLeader()).isEqualTo(3);
        assertThat(unclean.getIsrList()).containsExactly(3);
        var clean = change(new PartitionChangeBuilder("t", p, eligible(3), false).removeFromIsr(1).build());
        assertThat(clean.getLeader()).isEqualTo(NONE);
        // an eligible ISR member always wins over an unclean choice
        var q = partition(List.of(1, 2, 3), List.of(1, 2), 1);
        var r = change(new PartitionChangeBuilder("t", q, eligible(2, 3), true).removeFromIsr(1).build());
        assertThat(r.getLeader()).isEqualTo(2);
        assertThat(r.getIsrList()).containsExactly(2);
    }

    @Test
    void unfencedIsrMemberLeadsALeaderlessPartition() {
        var p = partition(List.of(1, 2), List.of(1), NONE);
        var r = change(new PartitionChangeBuilder("t", p, eligible(1), false).build());
        assertThat(r.getLeader()).isEqualTo(1);
        assertThat(r.getIsrChanged()).isFalse();
        assertThat(r.getLeaderEpoch()).isEqualTo(6);
        // an unfenced broker outside the ISR does not (clean)
        assertThat(new PartitionChangeBuilder("t", p, eligible(2), false).build()).isEmpty();
    }

    @Test
    void preferredElectionMovesLeadershipBackOnlyWhenThePreferredReplicaCanLead() {
        var p = partition(List.of(1, 2, 3), List.of(1, 2, 3), 2);
        var r = change(new PartitionChangeBuilder("t", p, eligible(1, 2, 3), false).electPreferredLeader().build());
        assertThat(r.getLeader()).isEqualTo(1);
        assertThat(r.getLeaderEpoch()).isEqualTo(6);
        assertThat(new PartitionChangeBuilder("t", p, eligible(2, 3), false).electPreferredLeader().build()).isEmpty();
        var notInIsr = partition(List.of(1, 2, 3), List.of(2, 3), 2);
        assertThat(new PartitionChangeBuilder("t", notInIsr, eligible(1, 2, 3), false).electPreferredLeader().build())
                .isEmpty();
        var already = partition(List.of(1, 2, 3), List.of(1, 2, 3), 1);
        assertThat(new PartitionChangeBuilder("t", already, eligible(1, 2, 3), false).electPreferredLeader().build())
                .isEmpty();
    }

    @Test
    void noChangeNoRecord() {
        var p = partition(List.of(1, 2), List.of(1, 2), 1);
        assertThat(new PartitionChangeBuilder("t", p, eligible(1, 2), false).build()).isEmpty();
        assertThat(new PartitionChangeBuilder("t", p, eligible(1, 2), false).removeFromIsr(3).build()).isEmpty();
    }
}
