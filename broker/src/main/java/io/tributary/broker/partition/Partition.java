package io.tributary.broker.partition;

import io.tributary.broker.log.AppendInfo;
import io.tributary.broker.log.FlushPolicy;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.producer.ProducerStateManager;
import io.tributary.metadata.PartitionRegistration;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatches;
import io.tributary.replication.AckDecision;
import io.tributary.replication.EpochEndOffset;
import io.tributary.replication.FollowerFetchResult;
import io.tributary.replication.FollowerTruncation;
import io.tributary.replication.IsrChangeProposal;
import io.tributary.replication.LeaderEpochCache;
import io.tributary.replication.PartitionLeaderState;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * A partition replica hosted on this node: its log, its role (leader, follower, or neither when
 * the partition has no leader) and the replication state that goes with the role. The rules live
 * in the replication module's pure classes ({@link PartitionLeaderState}, {@link LeaderEpochCache},
 * {@link FollowerTruncation}); this class applies them to the real log under the partition's monitor.
 *
 * <p>The high watermark is what consumers may read. As leader it is the minimum, over the ISR, of
 * each member's durable log end (the leader's own counts only fsynced records under {@code ack});
 * as follower it is the leader's high watermark as last fetched, bounded by the local log end.
 *
 * <p>Callers hold this partition's monitor while they validate, append and record a produce
 * ({@link #appendAsLeader}). Listeners are told after the monitor is released.
 */
public final class Partition {
    /** Told when this replica's high watermark or log end moved; called without the monitor held. */
    public interface Listener {
        void highWatermarkAdvanced(TopicPartition tp);

        void logEndAdvanced(TopicPartition tp);
    }

    /** What a metadata change did to this replica's role. */
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

    private final int localId;
    private final PartitionLog log;
    private final Listener listener;
    private final LongSupplier clockMs;
    private final LeaderEpochCache epochCache;
    private ProducerStateManager producerState;

    /** The registration this replica acts on: its leader and leader epoch are the role; null before the first. */
    private volatile PartitionRegistration registration;
    private int minInsyncReplicas;
    /** unclean.leader.election.enable: a follower then truncates to an unclean leader's log, even below its HW. */
    private boolean uncleanElectionAllowed;
    private final long replicaLagTimeMaxMs;
    private PartitionLeaderState leaderState;
    private final ArrayDeque<AckWaiter> ackWaiters = new ArrayDeque<>();
    private volatile long highWatermark;
    /** The high watermark last written by {@link #checkpointHighWatermark} (checkpoint thread only). */
    private volatile long checkpointedHighWatermark = -1;

    private record AckWaiter(long requiredOffset, CompletableFuture<ErrorCode> future) {
    }

    Partition(int localId, PartitionLog log, ReplicaRecovery.Result recovered, long replicaLagTimeMaxMs,
              LongSupplier clockMs, Listener listener) {
        this.localId = localId;
        this.log = log;
        this.producerState = recovered.producerState();
        this.epochCache = recovered.epochCache();
        this.replicaLagTimeMaxMs = replicaLagTimeMaxMs;
        this.clockMs = clockMs;
        this.listener = listener;
        this.highWatermark = Math.min(recovered.highWatermark(), log.logEndOffset());
    }

    public TopicPartition topicPartition() {
        return log.topicPartition();
    }

    public PartitionLog log() {
        return log;
    }

    /** Idempotent producers' sequences; read and change it only under this partition's monitor. */
    public ProducerStateManager producerState() {
        return producerState;
    }

    public int leaderId() {
        PartitionRegistration r = registration;
        return r == null ? PartitionRegistration.NO_LEADER : r.leader();
    }

    public int leaderEpoch() {
        PartitionRegistration r = registration;
        return r == null ? -1 : r.leaderEpoch();
    }

    public boolean isLeader() {
        return leaderId() == localId;
    }

    public long highWatermark() {
        return highWatermark;
    }

    /** The log end a leader counts for itself: durable under {@code ack}, everything under {@code interval}. */
    private long localCountedEnd() {
        return log.config().flushPolicy() == FlushPolicy.ACK ? log.durableEndOffset() : log.logEndOffset();
    }

    // ---------------------------------------------------------------- role changes (metadata)

    /**
     * Follows the metadata: becomes leader when named leader at a new leader epoch, follower of
     * the named leader, applies a committed ISR as leader. Pending acks=all produces fail when
     * leadership is lost: they may or may not survive, so they are indefinite.
     */
    public RoleChange applyRegistration(PartitionRegistration next, int minIsr, boolean uncleanAllowed) {
        List<AckWaiter> failed = new ArrayList<>();
        boolean hwAdvanced = false;
        RoleChange change;
        synchronized (this) {
            PartitionRegistration previous = registration;
            minInsyncReplicas = minIsr;
            uncleanElectionAllowed = uncleanAllowed;
            boolean epochChanged = previous == null || next.leaderEpoch() != previous.leaderEpoch()
                    || next.leader() != previous.leader();
            if (next.leader() == localId && epochChanged) {
                becomeLeader(next);
                hwAdvanced = leaderState.onAppend(localCountedEnd()) | publishHighWatermark();
                change = RoleChange.BECAME_LEADER;
            } else if (next.leader() == localId) {
                leaderState.setMinInsyncReplicas(minIsr);
                hwAdvanced = leaderState.applyIsr(new HashSet<>(next.isr()), next.partitionEpoch())
                        && publishHighWatermark();
                change = next.partitionEpoch() != previous.partitionEpoch() ? RoleChange.ISR_CHANGED : RoleChange.NONE;
            } else if (epochChanged) {
                leaderState = null;
                failed.addAll(ackWaiters);
                ackWaiters.clear();
                change = next.leader() == PartitionRegistration.NO_LEADER ? RoleChange.NO_LEADER
                        : RoleChange.BECAME_FOLLOWER;
            } else {
                change = RoleChange.NONE;
            }
            registration = next; // published once the role's state matches it
        }
        completeAcks(failed, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        if (hwAdvanced) {
            listener.highWatermarkAdvanced(topicPartition());
        }
        recheckAcks(); // a shrunk ISR may fail waiting produces, a grown one acknowledge them
        return change;
    }

    private void becomeLeader(PartitionRegistration next) {
        long now = clockMs.getAsLong();
        long counted = localCountedEnd();
        epochCache.assign(next.leaderEpoch(), log.logEndOffset());
        leaderState = new PartitionLeaderState(localId, new HashSet<>(next.replicas()), new HashSet<>(next.isr()),
                next.leaderEpoch(), next.partitionEpoch(), minInsyncReplicas, replicaLagTimeMaxMs, counted,
                Math.min(highWatermark, counted), now);
    }

    /** Copies the leader state's high watermark out; true when it moved. Call under the monitor. */
    private boolean publishHighWatermark() {
        long hw = leaderState.highWatermark();
        if (hw != highWatermark) {
            highWatermark = hw;
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- leader: produce

    /** acks=all before appending: NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas. Under the monitor. */
    public ErrorCode checkEnoughReplicasForAppend() {
        return leaderState == null ? ErrorCode.NOT_LEADER_OR_FOLLOWER : leaderState.checkEnoughReplicasForAppend();
    }

    /**
     * Appends a validated produce as leader at the current leader epoch and records its batches in
     * the producer state. Call under the monitor, after the idempotence check.
     */
    public AppendInfo appendAsLeader(ByteBuffer batches, List<RecordBatch> parsed) {
        if (leaderState == null) {
            throw new NotLeaderException(topicPartition(), localId, leaderId());
        }
        AppendInfo info = log.append(batches, leaderEpoch());
        parsed.forEach(producerState::onAppended); // base offsets are assigned now
        if (log.config().flushPolicy() == FlushPolicy.INTERVAL && leaderState.onAppend(log.logEndOffset())) {
            publishHighWatermark(); // listeners hear of it in afterLeaderAppend
        }
        return info;
    }

    /** Wakes followers parked at the old log end; call after {@link #appendAsLeader} without the monitor. */
    public void afterLeaderAppend() {
        listener.logEndAdvanced(topicPartition());
        if (log.config().flushPolicy() == FlushPolicy.INTERVAL) {
            listener.highWatermarkAdvanced(topicPartition());
        }
        recheckAcks();
    }

    /** The leader's log became durable further (the flusher's fsync): its own end counts now. */
    public void onLocalDurable() {
        boolean advanced;
        synchronized (this) {
            advanced = leaderState != null && leaderState.onAppend(Math.max(leaderState.logEndOffset(),
                    localCountedEnd())) && publishHighWatermark();
        }
        if (advanced) {
            listener.highWatermarkAdvanced(topicPartition());
            recheckAcks();
        }
    }

    /**
     * acks=all: completes with NONE once the high watermark reaches {@code requiredOffset} with the
     * ISR at min.insync.replicas or more; with NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank
     * below it, or when leadership moved away first.
     */
    public CompletableFuture<ErrorCode> awaitReplication(long requiredOffset) {
        ErrorCode outcome;
        synchronized (this) {
            if (leaderState == null) {
                return CompletableFuture.completedFuture(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
            }
            AckDecision decision = leaderState.canAcknowledge(requiredOffset);
            if (decision.kind() == AckDecision.Kind.WAIT) {
                CompletableFuture<ErrorCode> future = new CompletableFuture<>();
                ackWaiters.add(new AckWaiter(requiredOffset, future));
                return future;
            }
            outcome = decision.error(); // NONE when acknowledged
        }
        return CompletableFuture.completedFuture(outcome);
    }

    private void recheckAcks() {
        List<AckWaiter> decided = new ArrayList<>();
        List<ErrorCode> outcomes = new ArrayList<>();
        synchronized (this) {
            // Waiters are in offset order: the first that must wait stops the scan.
            while (leaderState != null && !ackWaiters.isEmpty()) {
                AckDecision decision = leaderState.canAcknowledge(ackWaiters.peekFirst().requiredOffset());
                if (decision.kind() == AckDecision.Kind.WAIT) {
                    break;
                }
                decided.add(ackWaiters.pollFirst());
                outcomes.add(decision.error());
            }
        }
        for (int i = 0; i < decided.size(); i++) { // outside the monitor: completion runs the produce's answer
            decided.get(i).future().complete(outcomes.get(i));
        }
    }

    private static void completeAcks(List<AckWaiter> waiters, ErrorCode code) {
        waiters.forEach(w -> w.future().complete(code));
    }

    // ---------------------------------------------------------------- leader: followers

    /**
     * A follower's fetch arrived: checks its epoch and offset and records its progress. The high
     * watermark may advance, which may complete acks=all produces.
     */
    public FollowerFetchResult onFollowerFetch(int replicaId, long fetchOffset, int followerLeaderEpoch) {
        FollowerFetchResult result;
        synchronized (this) {
            if (leaderState == null) {
                return new FollowerFetchResult(ErrorCode.NOT_LEADER_OR_FOLLOWER, false, highWatermark);
            }
            if (fetchOffset > log.logEndOffset()) {
                return new FollowerFetchResult(ErrorCode.OFFSET_OUT_OF_RANGE, false, highWatermark);
            }
            result = leaderState.onFollowerFetch(clockMs.getAsLong(), replicaId, fetchOffset, followerLeaderEpoch);
            if (result.highWatermarkAdvanced()) {
                publishHighWatermark();
            }
        }
        if (result.highWatermarkAdvanced()) {
            listener.highWatermarkAdvanced(topicPartition());
            recheckAcks();
        }
        return result;
    }

    /** OffsetsForLeaderEpoch on this replica's log. */
    public synchronized EpochEndOffset endOffsetForEpoch(int requestedEpoch) {
        return epochCache.endOffsetFor(requestedEpoch, log.logEndOffset());
    }

    /** The ISR change this leader wants now, if any and none is in flight. */
    public synchronized Optional<IsrChangeProposal> isrChangeToPropose() {
        return leaderState == null ? Optional.empty() : leaderState.isrChangeToPropose(clockMs.getAsLong());
    }

    /** Whether {@code proposal} is still this leader's pending ISR change. */
    public synchronized boolean hasPendingIsrChange(IsrChangeProposal proposal) {
        return leaderState != null && leaderState.pendingIsrChange().filter(proposal::equals).isPresent();
    }

    /** The controller refused the proposal: the next check may propose again. */
    public synchronized void abandonIsrChange(IsrChangeProposal proposal) {
        if (hasPendingIsrChange(proposal)) {
            leaderState.abandonPendingIsrChange();
        }
    }

    // ---------------------------------------------------------------- follower

    /** The epoch a follower asks the leader about before fetching. */
    public synchronized int latestLocalEpoch() {
        return FollowerTruncation.epochToQuery(epochCache);
    }

    /**
     * Applies the leader's OffsetsForLeaderEpoch answer: truncates where the logs diverge, never
     * below the high watermark ({@link io.tributary.replication.TruncationBelowHighWatermarkException})
     * unless the topic allows unclean leader election: then the log follows an unclean leader that
     * lacks acknowledged records (the loss the topic accepted), and the high watermark comes down too.
     *
     * @return the decision, or empty when this replica no longer follows at {@code followedEpoch}
     */
    public Optional<FollowerTruncation.Decision> truncateAfterDivergence(int followedEpoch, EpochEndOffset answer) {
        synchronized (this) {
            if (!followsAt(followedEpoch)) {
                return Optional.empty();
            }
            long hw = uncleanElectionAllowed ? 0 : Math.min(highWatermark, log.logEndOffset());
            FollowerTruncation.Decision decision = FollowerTruncation.decide(epochCache, log.logEndOffset(), hw, answer);
            truncateTo(decision.truncateToOffset());
            highWatermark = Math.min(highWatermark, log.logEndOffset());
            return Optional.of(decision);
        }
    }

    private void truncateTo(long offset) {
        if (offset >= log.logEndOffset()) {
            return;
        }
        log.truncateTo(offset);
        epochCache.truncateFromEnd(log.logEndOffset());
        producerState = ReplicaRecovery.recover(log, 0).producerState();
    }

    /**
     * Appends batches fetched from the leader at {@code followedEpoch}, keeping their offsets and
     * epochs; updates the epoch cache and the producer state so this replica can lead next.
     *
     * @return the append, or empty when the role changed meanwhile (nothing appended)
     */
    public Optional<AppendInfo> appendAsFollower(int followedEpoch, ByteBuffer records) {
        synchronized (this) {
            if (!followsAt(followedEpoch)) {
                return Optional.empty();
            }
            List<RecordBatch> batches = new ArrayList<>();
            RecordBatches.of(records.duplicate()).forEach(batches::add);
            AppendInfo info = log.appendAsFollower(records);
            for (RecordBatch batch : batches) {
                epochCache.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
                producerState.onAppended(batch);
            }
            return Optional.of(info);
        }
    }

    /**
     * The offset to fetch from while this replica still follows at {@code followedEpoch}: its log
     * end, fsynced first under {@code flush.policy=ack} (the fetch offset tells the leader what this
     * replica holds on disk). Empty when the role changed meanwhile: a fetcher must not report an
     * offset for a partition it no longer follows, since after a truncation or an append from
     * another leader that offset no longer means this leader's data (issue 9, hole 7).
     */
    public OptionalLong followerFetchOffset(int followedEpoch) {
        synchronized (this) {
            if (!followsAt(followedEpoch)) {
                return OptionalLong.empty();
            }
            if (log.config().flushPolicy() == FlushPolicy.ACK
                    && log.durableEndOffset() < log.logEndOffset()) {
                // an append whose fsync was not awaited (a failed wait, a role change between) is synced
                // first; the replication simulation found the lost acknowledged record this prevents
                log.flush();
            }
            return OptionalLong.of(log.logEndOffset());
        }
    }

    /** Whether this replica follows at {@code followedEpoch} (caller holds the monitor): a role change ends it. */
    private boolean followsAt(int followedEpoch) {
        return leaderEpoch() == followedEpoch && !isLeader();
    }

    /** The leader's high watermark from a fetch response; bounded by the local log end. */
    public void updateFollowerHighWatermark(int followedEpoch, long leaderHighWatermark) {
        synchronized (this) {
            if (!followsAt(followedEpoch)) {
                return;
            }
            long hw = Math.min(leaderHighWatermark, log.logEndOffset());
            if (hw > highWatermark) {
                highWatermark = hw;
            }
        }
    }

    /** Writes the high watermark to the index when it moved since the last checkpoint. */
    public void checkpointHighWatermark() {
        long hw = highWatermark;
        if (hw != checkpointedHighWatermark) {
            checkpointedHighWatermark = log.checkpointHighWatermark(hw);
        }
    }

    /** Leader only: the ISR is smaller than the replica set. */
    public synchronized boolean isUnderReplicated() {
        return leaderState != null && leaderState.isr().size() < leaderState.replicas().size();
    }

    /** Leader only: the ISR is below min.insync.replicas, so acks=all produces are refused. */
    public synchronized boolean isUnderMinIsr() {
        return leaderState != null && leaderState.isr().size() < leaderState.minInsyncReplicas();
    }

    /** For tests and describe: the leader's view of the ISR, or the metadata's when following. */
    public synchronized List<Integer> isr() {
        PartitionRegistration r = registration;
        return leaderState != null ? List.copyOf(leaderState.isr()) : r == null ? List.of() : r.isr();
    }

    /** The epoch cache entries, for tests. */
    public synchronized List<LeaderEpochCache.EpochEntry> epochEntries() {
        return epochCache.entries();
    }
}
