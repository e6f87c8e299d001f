package io.tributary.replication;

import io.tributary.proto.v1.ErrorCode;
import io.tributary.replication.sim.MemoryLog;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure replica's transitions, over an in-memory log. */
class ReplicaTest {
    private static final int ME = 2;

    /** Appends a batch fetched from the leader, as a follower's driver does. */
    private static void appendFetched(MemoryLog log, Replica replica, int epoch, int records) {
        replica.onFetchedBatch(epoch, log.logEndOffset());
        log.appendBatch(epoch, records);
    }

    private static LeaderAndIsr registration(int leader, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        return new LeaderAndIsr(leader, leaderEpoch, partitionEpoch, List.of(1, 2, 3), isr);
    }

    /**
     * Found by the replication simulation once it drove this class: a replica that led an epoch
     * without appending kept that epoch's entry (starting at its log end) after the truncation that
     * cut nothing, asked the leader about it again, got the same answer, and never fetched.
     */
    @Test
    void anEpochLedWithoutRecordsIsForgottenSoTruncationCompletes() {
        MemoryLog log = new MemoryLog();
        Replica replica = new Replica(ME, log, new LeaderEpochCache(), 0, FollowerLagLimits.notCaughtUpFor(1_000));
        replica.applyLeaderAndIsr(0, registration(1, 2, 1, List.of(1, 2, 3)), 2, false);
        appendFetched(log, replica, 2, 668);
        log.flush();
        replica.applyLeaderAndIsr(0, registration(ME, 6, 2, List.of(1, 2)), 2, false); // led epoch 6, wrote nothing
        replica.applyLeaderAndIsr(0, registration(1, 7, 3, List.of(1, 2)), 2, false);
        assertThat(replica.epochToQuery()).isEqualTo(6);

        // the new leader kept 4 records of epoch 5 that this replica never saw
        var first = replica.truncateAfterDivergence(7, new EpochEndOffset(5, 672), 0).orElseThrow();
        assertThat(first.completed()).isFalse();
        assertThat(replica.epochToQuery()).as("epoch 6 had no records here").isEqualTo(2);
        var second = replica.truncateAfterDivergence(7, new EpochEndOffset(2, 668), 0).orElseThrow();
        assertThat(second).isEqualTo(new FollowerTruncation.Decision(668, true));
        assertThat(replica.followerFetchPosition(7)).hasValue(new Replica.FetchPosition(668, 2));
    }

    /**
     * Found by the simulation with DeleteRecords (seed 2411): the leader wrote offsets 4-6 in epoch 2
     * and then deleted everything below 7, forgetting where epoch 1 ended; this replica's offsets 4-6
     * are epoch 1 records the leader never had. Its answer for epoch 1 ends at its start (7), so the
     * truncation keeps them: they must stop being served, or this replica could be elected with them.
     */
    @Test
    void whatAFollowerHoldsBelowItsLeadersStartStopsBeingServedWhenTheTruncationCompletes() {
        MemoryLog log = new MemoryLog();
        Replica replica = new Replica(ME, log, new LeaderEpochCache(), 0, FollowerLagLimits.notCaughtUpFor(1_000));
        replica.applyLeaderAndIsr(0, registration(1, 1, 1, List.of(1, 2, 3)), 2, false);
        appendFetched(log, replica, 1, 10);
        log.flush();
        replica.applyLeaderAndIsr(0, registration(3, 2, 2, List.of(1, 2, 3)), 2, false);

        var decision = replica.truncateAfterDivergence(2, new EpochEndOffset(1, 7), 7).orElseThrow();
        assertThat(decision).isEqualTo(new FollowerTruncation.Decision(7, true));
        assertThat(log.logStartOffset()).isEqualTo(7);
        assertThat(log.logEndOffset()).isEqualTo(7);
        assertThat(replica.highWatermark()).as("what lies below the leader's start is committed").isEqualTo(7);
        assertThat(replica.followerFetchPosition(2)).hasValue(new Replica.FetchPosition(7, -1));

        MemoryLog ahead = new MemoryLog();
        Replica kept = new Replica(ME, ahead, new LeaderEpochCache(), 0, FollowerLagLimits.notCaughtUpFor(1_000));
        kept.applyLeaderAndIsr(0, registration(1, 2, 1, List.of(1, 2, 3)), 2, false);
        appendFetched(ahead, kept, 2, 10);
        ahead.flush();
        kept.applyLeaderAndIsr(0, registration(3, 3, 2, List.of(1, 2, 3)), 2, false);
        kept.truncateAfterDivergence(3, new EpochEndOffset(2, 10), 7).orElseThrow();
        assertThat(ahead.logStartOffset()).as("records the leader still holds from 7 on stay").isEqualTo(7);
        assertThat(ahead.logEndOffset()).isEqualTo(10);
        assertThat(kept.highWatermark()).isEqualTo(7);
    }

    @Test
    void aFollowerFsyncsBeforeItReportsAndOnlyForTheEpochItFollows() {
        MemoryLog log = new MemoryLog();
        Replica replica = new Replica(ME, log, new LeaderEpochCache(), 0, FollowerLagLimits.notCaughtUpFor(1_000));
        replica.applyLeaderAndIsr(0, registration(1, 4, 1, List.of(1, 2, 3)), 2, false);
        assertThat(replica.checkFetchedData(4, 0)).isEqualTo(Replica.FetchedDataCheck.APPEND);
        appendFetched(log, replica, 4, 3);
        assertThat(replica.checkFetchedData(4, 0)).as("the log end moved since that fetch")
                .isEqualTo(Replica.FetchedDataCheck.LOG_MOVED);
        assertThat(replica.followerFetchPosition(4)).hasValue(new Replica.FetchPosition(3, 4));
        assertThat(log.durable).as("reported only once on disk").isEqualTo(3);

        replica.updateFollowerHighWatermark(4, 10);
        assertThat(replica.highWatermark()).as("bounded by the local log end").isEqualTo(3);
        replica.applyLeaderAndIsr(0, registration(3, 5, 2, List.of(2, 3)), 2, false);
        assertThat(replica.followerFetchPosition(4)).isEmpty();
        assertThat(replica.checkFetchedData(4, 3)).isEqualTo(Replica.FetchedDataCheck.ROLE_CHANGED);
    }

    @Test
    void aLateOlderRegistrationNeverUndoesANewerIsr() {
        MemoryLog log = new MemoryLog();
        Replica replica = new Replica(ME, log, new LeaderEpochCache(), 0, FollowerLagLimits.notCaughtUpFor(1_000));
        assertThat(replica.applyLeaderAndIsr(0, registration(ME, 3, 5, List.of(1, 2, 3)), 2, false).change())
                .isEqualTo(Replica.RoleChange.BECAME_LEADER);
        assertThat(replica.applyLeaderAndIsr(0, registration(ME, 3, 6, List.of(2)), 2, false).change())
                .isEqualTo(Replica.RoleChange.ISR_CHANGED);
        assertThat(replica.checkEnoughReplicasForAppend()).isEqualTo(ErrorCode.NOT_ENOUGH_REPLICAS);
        assertThat(replica.applyLeaderAndIsr(0, registration(ME, 3, 5, List.of(1, 2, 3)), 2, false).change())
                .isEqualTo(Replica.RoleChange.NONE);
        assertThat(replica.isr()).containsExactly(2);
    }

    @Test
    void losingLeadershipLeavesWaitingAcksUnknown() {
        MemoryLog log = new MemoryLog();
        Replica replica = new Replica(ME, log, new LeaderEpochCache(), 0, FollowerLagLimits.notCaughtUpFor(1_000));
        replica.applyLeaderAndIsr(0, registration(ME, 1, 1, List.of(1, 2)), 2, false);
        log.appendBatch(1, 5);
        assertThat(replica.onLeaderAppend()).as("under the ack policy only durable records count").isFalse();
        log.flush();
        replica.onLocalDurable();
        assertThat(replica.canAcknowledge(5).kind()).isEqualTo(AckDecision.Kind.WAIT);
        Replica.Transition t = replica.applyLeaderAndIsr(0, registration(1, 2, 2, List.of(1, 2)), 2, false);
        assertThat(t.lostLeadership()).isTrue();
        assertThat(replica.canAcknowledge(5)).isEqualTo(AckDecision.fail(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND));
    }

    /** Issue 9, hole 7: a leader can tell a follower whose log diverges, and does not count its fetch offset. */
    @Test
    void aFollowerWhoseLogDivergesIsRefusedAndNotCounted() {
        MemoryLog log = new MemoryLog();
        Replica leader = new Replica(1, log, new LeaderEpochCache(), 0, FollowerLagLimits.notCaughtUpFor(1_000));
        leader.applyLeaderAndIsr(0, registration(2, 3, 1, List.of(1, 2)), 2, false); // follows 2 at epoch 3 first
        appendFetched(log, leader, 3, 10);
        log.flush();
        leader.applyLeaderAndIsr(0, new LeaderAndIsr(1, 5, 2, List.of(1, 2, 3), List.of(1, 2)), 2, false);
        log.appendBatch(5, 4);
        log.flush();
        leader.onLocalDurable();

        // follower 2 holds 12 records whose last is of epoch 4: this log never had epoch 4
        FollowerFetchResult diverging = leader.handleFollowerFetch(0, 2, 12, 5, 4);
        assertThat(diverging.error()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        // epoch 3 ends at 10 here: a follower with epoch-3 records up to 12 diverges too
        assertThat(leader.handleFollowerFetch(0, 2, 12, 5, 3).error()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThat(leader.highWatermark()).as("never counted").isZero();

        FollowerFetchResult agreeing = leader.handleFollowerFetch(0, 2, 10, 5, 3);
        assertThat(agreeing.error()).isEqualTo(ErrorCode.NONE);
        assertThat(leader.handleFollowerFetch(0, 2, 14, 5, 5).highWatermark()).isEqualTo(14);
    }
}
