package io.tributary.replication;

import io.tributary.proto.v1.ErrorCode;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * One partition replica's rules in both roles, over its {@link ReplicaLog}: the role the
 * controller's {@link LeaderAndIsr} gives it, the leader's follower progress, high watermark, acks
 * and ISR proposals ({@link PartitionLeaderState}), and the follower's truncation, fetch offset and
 * high watermark. Pure: time comes in as {@code nowMs}, nothing is sent; the only I/O is the
 * injected log's fsync and truncation, which the rules decide. The broker's {@code Partition} and
 * {@code ReplicaFetcher} drive this class over real segment files and gRPC; the replication
 * simulation drives the same class over an in-memory log and a lossy simulated network.
 * Not thread-safe: the driver serialises calls (the broker under the partition's monitor); the
 * role and high watermark may be read from any thread.
 *
 * <pre>
 * event                                   effect
 * applyLeaderAndIsr(leader = me, new ep)  BECAME_LEADER: epoch cache gets (ep, LEO); leader state from
 *                                         the durable LEO and min(HW, durable LEO)
 * applyLeaderAndIsr(leader = me, same ep) ISR_CHANGED (newer partition epoch): apply ISR, maybe HW
 * applyLeaderAndIsr(other, new ep)        BECAME_FOLLOWER / NO_LEADER: leader state dropped
 * applyLeaderAndIsr(older partition ep)   NONE: a stale registration never undoes a newer one
 * onLeaderAppend / onLocalDurable         leader LEO (durable under ack policy) grows; maybe HW
 * handleFollowerFetch(r, off, ep, lastEp) above LEO -> OFFSET_OUT_OF_RANGE; else leader state rules
 * truncateAfterDivergence(ep, answer, s) FollowerTruncation; truncate log and cache; HW <= LEO; once
 *                                         complete, nothing below the leader's start s is served
 * checkFetchedData(ep, off)               ROLE_CHANGED unless following at ep; LOG_MOVED unless LEO == off
 * onFetchedBatch(ep, batchEp, base)       epoch cache learns where batchEp starts
 * followerFetchPosition(ep)               fsync first under ack policy, then LEO (what is on disk) and
 *                                         the epoch of the last record
 * handleFollowerFetch(.., lastEp)         at this epoch, lastEp must end here at or after the fetch
 *                                         offset, else OFFSET_OUT_OF_RANGE (diverging: not counted)
 * updateFollowerHighWatermark(ep, hw)     HW := max(HW, min(hw, LEO))
 * advanceLogStartOffset(o)                log start := min(o, HW) when higher; epoch cache from there
 * deleteRecords(o)                        leader only, o (-1: HW) <= HW, else refused; advanceLogStartOffset(o)
 * followLeaderLogStart(ep, leaderStart)   a follower's advanceLogStartOffset(leaderStart) at ep
 * startAtLeaderLogStart(ep, leaderStart)  LEO <= leaderStart: empty log at leaderStart, HW there
 * </pre>
 */
public final class Replica {
    /** What a controller registration did to this replica's role. */
    public enum RoleChange {
        NONE,
        BECAME_LEADER,
        /** Follows a (new) leader or leader epoch: truncate, then fetch from it. */
        BECAME_FOLLOWER,
        /** The partition has no leader now: lead nothing, fetch from nobody. */
        NO_LEADER,
        /** Still leader; the controller committed a new ISR. */
        ISR_CHANGED
    }

    /** A role change and whether it moved the high watermark (listeners may need waking). */
    public record Transition(RoleChange change, boolean highWatermarkAdvanced) {
        /** Whether leadership ended: acks=all produces still waiting have an unknown fate now. */
        public boolean lostLeadership() {
            return change == RoleChange.BECAME_FOLLOWER || change == RoleChange.NO_LEADER;
        }
    }

    /** Whether fetched data may be appended now. */
    public enum FetchedDataCheck {
        APPEND,
        /** This replica no longer follows at the epoch it fetched at: drop the data. */
        ROLE_CHANGED,
        /** The log end is not the fetch offset any more: drop the data and find the divergence again. */
        LOG_MOVED
    }

    private final int localId;
    private final ReplicaLog log;
    private final LeaderEpochCache epochCache;
    private final FollowerLagLimits lagLimits;

    /** The registration acted on; null before the first. */
    private volatile LeaderAndIsr registration;
    private int minInsyncReplicas = 1;
    /** unclean.leader.election.enable: a follower then truncates to an unclean leader's log, even below its HW. */
    private boolean uncleanElectionAllowed;
    private PartitionLeaderState leaderState;
    private volatile long highWatermark;

    /**
     * @param epochCache             the epoch cache recovered from the log
     * @param recoveredHighWatermark the last checkpointed high watermark (capped at the log end here, and at
     *                               least the log start)
     */
    public Replica(int localId, ReplicaLog log, LeaderEpochCache epochCache, long recoveredHighWatermark,
                   FollowerLagLimits lagLimits) {
        this.localId = localId;
        this.log = log;
        this.epochCache = epochCache;
        this.lagLimits = lagLimits;
        // never below the log start: what lies below was committed (only committed records are deleted)
        this.highWatermark = Math.max(log.logStartOffset(), Math.min(recoveredHighWatermark, log.logEndOffset()));
    }

    public int localId() {
        return localId;
    }

    public int leaderId() {
        LeaderAndIsr r = registration;
        return r == null ? LeaderAndIsr.NO_LEADER : r.leader();
    }

    public int leaderEpoch() {
        LeaderAndIsr r = registration;
        return r == null ? -1 : r.leaderEpoch();
    }

    public boolean isLeader() {
        return leaderId() == localId;
    }

    public long highWatermark() {
        return highWatermark;
    }

    /** The log end a leader counts for itself: durable only under the ack policy. */
    private long localCountedEnd() {
        return log.acknowledgesOnlyDurableRecords() ? log.durableEndOffset() : log.logEndOffset();
    }

    // ---------------------------------------------------------------- role changes

    /** Acts on the controller's registration for this partition (see the table above). */
    public Transition applyLeaderAndIsr(long nowMs, LeaderAndIsr next, int minIsr, boolean uncleanAllowed) {
        LeaderAndIsr previous = registration;
        if (previous != null && next.leaderEpoch() == previous.leaderEpoch() && next.leader() == previous.leader()
                && next.partitionEpoch() < previous.partitionEpoch()) {
            return new Transition(RoleChange.NONE, false); // late delivery of an older registration
        }
        minInsyncReplicas = minIsr;
        uncleanElectionAllowed = uncleanAllowed;
        boolean epochChanged = previous == null || next.leaderEpoch() != previous.leaderEpoch()
                || next.leader() != previous.leader();
        Transition transition;
        if (next.leader() == localId && epochChanged) {
            becomeLeader(nowMs, next);
            transition = new Transition(RoleChange.BECAME_LEADER, leaderState.onAppend(localCountedEnd()) | publishHighWatermark());
        } else if (next.leader() == localId) {
            leaderState.setMinInsyncReplicas(minIsr);
            boolean advanced = leaderState.applyIsr(new HashSet<>(next.isr()), next.partitionEpoch()) && publishHighWatermark();
            transition = new Transition(next.partitionEpoch() != previous.partitionEpoch() ? RoleChange.ISR_CHANGED
                    : RoleChange.NONE, advanced);
        } else if (epochChanged) {
            leaderState = null;
            transition = new Transition(next.leader() == LeaderAndIsr.NO_LEADER ? RoleChange.NO_LEADER
                    : RoleChange.BECAME_FOLLOWER, false);
        } else {
            transition = new Transition(RoleChange.NONE, false);
        }
        registration = next; // published once the role's state matches it
        return transition;
    }

    private void becomeLeader(long nowMs, LeaderAndIsr next) {
        long counted = localCountedEnd();
        epochCache.assign(next.leaderEpoch(), log.logEndOffset());
        leaderState = new PartitionLeaderState(localId, new HashSet<>(next.replicas()), new HashSet<>(next.isr()),
                next.leaderEpoch(), next.partitionEpoch(), minInsyncReplicas, lagLimits, counted,
                Math.min(highWatermark, counted), nowMs);
    }

    /** Copies the leader state's high watermark out; true when it moved. */
    private boolean publishHighWatermark() {
        long hw = leaderState.highWatermark();
        if (hw != highWatermark) {
            highWatermark = hw;
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- leader

    /** acks=all before appending: NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas. */
    public ErrorCode checkEnoughReplicasForAppend() {
        return leaderState == null ? ErrorCode.NOT_LEADER_OR_FOLLOWER : leaderState.checkEnoughReplicasForAppend();
    }

    /** The driver appended as leader; without the ack policy the new end counts at once. @return HW advanced */
    public boolean onLeaderAppend() {
        return leaderState != null && !log.acknowledgesOnlyDurableRecords()
                && leaderState.onAppend(log.logEndOffset()) && publishHighWatermark();
    }

    /** The log became durable further (an fsync): the leader's own end counts now. @return HW advanced */
    public boolean onLocalDurable() {
        return leaderState != null
                && leaderState.onAppend(Math.max(leaderState.logEndOffset(), localCountedEnd()))
                && publishHighWatermark();
    }

    /**
     * acks=all for records below {@code requiredOffset}: acknowledge, wait, or fail. Not leader (any
     * more): NOT_ENOUGH_REPLICAS_AFTER_APPEND, since the records may or may not survive.
     */
    public AckDecision canAcknowledge(long requiredOffset) {
        return leaderState == null ? AckDecision.fail(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND)
                : leaderState.canAcknowledge(requiredOffset);
    }

    /**
     * A follower's fetch: range check on the whole log; then, at this leader's epoch, that the
     * follower's log agrees with this one up to the fetch offset (its last fetched epoch must end
     * here at or after the fetch offset: a diverging follower must truncate first and is not counted,
     * issue 9 hole 7); then the leader state's epoch and progress rules.
     *
     * @param lastFetchedEpoch the epoch of the follower's last record, or -1 when it did not say
     */
    public FollowerFetchResult handleFollowerFetch(long nowMs, int replicaId, long fetchOffset, int followerLeaderEpoch,
                                                   int lastFetchedEpoch) {
        if (leaderState == null) {
            return new FollowerFetchResult(ErrorCode.NOT_LEADER_OR_FOLLOWER, false, highWatermark);
        }
        if (fetchOffset > log.logEndOffset() || fetchOffset < log.logStartOffset()) {
            return new FollowerFetchResult(ErrorCode.OFFSET_OUT_OF_RANGE, false, highWatermark);
        }
        if (followerLeaderEpoch == leaderState.leaderEpoch() && divergesFromThisLog(fetchOffset, lastFetchedEpoch)) {
            return new FollowerFetchResult(ErrorCode.OFFSET_OUT_OF_RANGE, false, highWatermark);
        }
        FollowerFetchResult result = leaderState.onFollowerFetch(nowMs, replicaId, fetchOffset, followerLeaderEpoch);
        if (result.highWatermarkAdvanced()) {
            publishHighWatermark();
        }
        return result;
    }

    private boolean divergesFromThisLog(long fetchOffset, int lastFetchedEpoch) {
        if (lastFetchedEpoch < 0 || fetchOffset == 0) {
            return false;
        }
        EpochEndOffset here = epochCache.endOffsetFor(lastFetchedEpoch, log.logEndOffset());
        return here.isUndefined() || here.epoch() != lastFetchedEpoch || here.endOffset() < fetchOffset;
    }

    /** OffsetsForLeaderEpoch on this replica's log. */
    public EpochEndOffset endOffsetForEpoch(int requestedEpoch) {
        return epochCache.endOffsetFor(requestedEpoch, log.logEndOffset());
    }

    /** The ISR change this leader wants now, if any and none is in flight. */
    public Optional<IsrChangeProposal> isrChangeToPropose(long nowMs) {
        return leaderState == null ? Optional.empty() : leaderState.isrChangeToPropose(nowMs);
    }

    /** Whether {@code proposal} is still this leader's pending ISR change. */
    public boolean hasPendingIsrChange(IsrChangeProposal proposal) {
        return leaderState != null && leaderState.pendingIsrChange().filter(proposal::equals).isPresent();
    }

    /** The controller refused the proposal: the next check may propose again. */
    public void abandonIsrChange(IsrChangeProposal proposal) {
        if (hasPendingIsrChange(proposal)) {
            leaderState.abandonPendingIsrChange();
        }
    }

    /** Leader only: the ISR is smaller than the replica set. */
    public boolean isUnderReplicated() {
        return leaderState != null && leaderState.isr().size() < leaderState.replicas().size();
    }

    /** Leader only: the ISR is below min.insync.replicas, so acks=all produces are refused. */
    public boolean isUnderMinIsr() {
        return leaderState != null && leaderState.isr().size() < leaderState.minInsyncReplicas();
    }

    /** The leader's view of the ISR, or the registration's when not leading. */
    public List<Integer> isr() {
        LeaderAndIsr r = registration;
        return leaderState != null ? List.copyOf(leaderState.isr()) : r == null ? List.of() : r.isr();
    }

    // ---------------------------------------------------------------- follower

    /** Whether this replica follows at {@code followedEpoch}: a role change ends it. */
    public boolean followsAt(int followedEpoch) {
        return leaderEpoch() == followedEpoch && !isLeader() && leaderId() != LeaderAndIsr.NO_LEADER;
    }

    /** The epoch a follower asks the leader about before fetching. */
    public int epochToQuery() {
        return FollowerTruncation.epochToQuery(epochCache);
    }

    /**
     * Applies the leader's OffsetsForLeaderEpoch answer: truncates where the logs diverge, never
     * below the high watermark ({@link TruncationBelowHighWatermarkException}) unless the topic
     * allows unclean leader election: then the log follows an unclean leader that lacks acknowledged
     * records (the loss the topic accepted), and the high watermark comes down too.
     *
     * <p>Once the truncation is complete, what this replica holds below the leader's log start
     * offset stops being served: the leader deleted those records with the epochs that would check
     * them (its answer for an older epoch ends at its start, not where that epoch really ended), so
     * they may differ from what the leader had, and this replica could otherwise be elected serving
     * them (the simulation found it: seed 2411). They were committed, so the high watermark is at
     * least there.
     *
     * @param leaderLogStartOffset the leader's log start offset, given with its answer
     * @return the decision, or empty when this replica no longer follows at {@code followedEpoch}
     */
    public Optional<FollowerTruncation.Decision> truncateAfterDivergence(int followedEpoch, EpochEndOffset answer,
                                                                          long leaderLogStartOffset) {
        if (!followsAt(followedEpoch)) {
            return Optional.empty();
        }
        long hw = uncleanElectionAllowed ? 0 : Math.min(highWatermark, log.logEndOffset());
        FollowerTruncation.Decision decision = FollowerTruncation.decide(epochCache, log.logEndOffset(), hw, answer);
        if (decision.truncateToOffset() < log.logEndOffset()) {
            log.truncateTo(decision.truncateToOffset());
        }
        // Also when no record goes: an epoch this replica led without appending starts at the log end,
        // and kept it would be asked about again and again (the simulation found that livelock).
        epochCache.truncateFromEnd(log.logEndOffset());
        highWatermark = Math.min(highWatermark, log.logEndOffset());
        if (decision.completed() && leaderLogStartOffset > log.logStartOffset()) {
            adoptLeaderLogStart(leaderLogStartOffset);
        }
        return Optional.of(decision);
    }

    /** Stops serving everything below the leader's start, which is committed and deleted on the leader. */
    private void adoptLeaderLogStart(long leaderLogStartOffset) {
        if (log.logEndOffset() <= leaderLogStartOffset) { // nothing left to serve: an empty log there
            log.truncateFullyAndStartAt(leaderLogStartOffset);
            epochCache.clear();
        } else {
            log.advanceLogStartOffset(leaderLogStartOffset);
            epochCache.truncateFromStart(leaderLogStartOffset);
        }
        highWatermark = Math.max(highWatermark, leaderLogStartOffset);
    }

    /** Whether data fetched from {@code fetchOffset} at {@code followedEpoch} may be appended now. */
    public FetchedDataCheck checkFetchedData(int followedEpoch, long fetchOffset) {
        if (!followsAt(followedEpoch)) {
            return FetchedDataCheck.ROLE_CHANGED;
        }
        return log.logEndOffset() == fetchOffset ? FetchedDataCheck.APPEND : FetchedDataCheck.LOG_MOVED;
    }

    /** The driver appended a fetched batch of leader epoch {@code batchEpoch} at {@code baseOffset}. */
    public void onFetchedBatch(int batchEpoch, long baseOffset) {
        epochCache.assign(batchEpoch, baseOffset);
    }

    /**
     * The offset to fetch from while this replica still follows at {@code followedEpoch}: its log
     * end, fsynced first under the ack policy (the fetch offset tells the leader what this replica
     * holds on disk, and an append whose fsync was not awaited may precede it). Empty when the role
     * changed: after a truncation or another leader's data that offset would mean nothing to this
     * leader (issue 9, hole 7).
     */
    public Optional<FetchPosition> followerFetchPosition(int followedEpoch) {
        if (!followsAt(followedEpoch)) {
            return Optional.empty();
        }
        if (log.acknowledgesOnlyDurableRecords() && log.durableEndOffset() < log.logEndOffset()) {
            log.flush();
        }
        return Optional.of(new FetchPosition(log.logEndOffset(), epochCache.latestEpoch()));
    }

    /** Where a follower fetches from: its log end, and the epoch of its last record (-1 when empty). */
    public record FetchPosition(long fetchOffset, int lastFetchedEpoch) {
    }

    /** The leader's high watermark from a fetch answer, bounded by the local log end; never lowered. */
    public void updateFollowerHighWatermark(int followedEpoch, long leaderHighWatermark) {
        if (!followsAt(followedEpoch)) {
            return;
        }
        long hw = Math.min(leaderHighWatermark, log.logEndOffset());
        if (hw > highWatermark) {
            highWatermark = hw;
        }
    }

    /**
     * A follower whose log ends at or below its leader's log start offset, and whose fetch the
     * leader refused (it deleted what the follower would fetch next, or the records of the epoch it
     * would check the follower's log against), replaces its log by an empty one starting there;
     * everything it held lies below the leader's start, so nothing the leader still serves is lost.
     *
     * @return whether the log was replaced (false: the role changed, or the log goes past the leader's start)
     */
    public boolean startAtLeaderLogStart(int followedEpoch, long leaderLogStartOffset) {
        if (!followsAt(followedEpoch) || log.logEndOffset() > leaderLogStartOffset) {
            return false;
        }
        adoptLeaderLogStart(leaderLogStartOffset);
        return true;
    }

    /**
     * DeleteRecords on the leader: records below {@code offset} ({@link DeleteRecordsResult#TO_HIGH_WATERMARK}:
     * the high watermark) are no longer served. Only a leader, and only up to its high watermark: a
     * record not yet committed may still be lost, and a consumer could not have read it. Followers
     * follow the new start through their fetches.
     */
    public DeleteRecordsResult deleteRecords(long offset) {
        if (leaderState == null) {
            return DeleteRecordsResult.refused(ErrorCode.NOT_LEADER_OR_FOLLOWER, "node " + localId
                    + " does not lead the partition" + (leaderId() >= 0 ? " (node " + leaderId() + " does)" : ""));
        }
        long target = offset == DeleteRecordsResult.TO_HIGH_WATERMARK ? highWatermark : offset;
        if (target < 0 || target > highWatermark) {
            return DeleteRecordsResult.refused(ErrorCode.OFFSET_OUT_OF_RANGE, "cannot delete records below offset "
                    + offset + ": the offset must be between the log start " + log.logStartOffset()
                    + " and the high watermark " + highWatermark + ", or -1 for the high watermark");
        }
        return new DeleteRecordsResult(ErrorCode.NONE, "", advanceLogStartOffset(target));
    }

    /** A follower's log start follows its leader's from each fetch answer, bounded by its own high watermark. */
    public void followLeaderLogStart(int followedEpoch, long leaderLogStartOffset) {
        if (followsAt(followedEpoch)) {
            advanceLogStartOffset(leaderLogStartOffset);
        }
    }

    /**
     * Moves the log start up to {@code requested} (retention, DeleteRecords, a follower following
     * its leader's start), never past the high watermark: a record not yet committed stays until it
     * is. The epoch cache forgets the epochs wholly below the new start.
     *
     * @return the log start offset now
     */
    public long advanceLogStartOffset(long requested) {
        long target = Math.min(requested, highWatermark);
        if (target > log.logStartOffset()) {
            log.advanceLogStartOffset(target);
            epochCache.truncateFromStart(target);
        }
        return log.logStartOffset();
    }

    /** The epoch cache entries, for tests and checkers. */
    public List<LeaderEpochCache.EpochEntry> epochEntries() {
        return epochCache.entries();
    }
}
