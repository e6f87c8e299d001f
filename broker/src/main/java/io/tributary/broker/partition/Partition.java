package io.tributary.broker.partition;

import io.tributary.broker.delayed.DelayedOperations;
import io.tributary.broker.log.AppendInfo;
import io.tributary.broker.log.FlushPolicy;
import io.tributary.broker.log.LogVerification;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.producer.ProducerStateManager;
import io.tributary.broker.producer.RequestValidation;
import io.tributary.metadata.PartitionRegistration;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatches;
import io.tributary.replication.AckDecision;
import io.tributary.replication.DeleteRecordsResult;
import io.tributary.replication.EpochEndOffset;
import io.tributary.replication.FollowerFetchResult;
import io.tributary.replication.FollowerLagLimits;
import io.tributary.replication.FollowerTruncation;
import io.tributary.replication.IsrChangeProposal;
import io.tributary.replication.LeaderAndIsr;
import io.tributary.replication.LeaderEpochCache;
import io.tributary.replication.Replica;
import io.tributary.replication.ReplicaLog;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * A partition replica hosted on this node: the driver of the replication module's pure
 * {@link Replica} over the real log. The replica decides (role, high watermark, acks, ISR
 * proposals, truncation, fetch offsets); this class holds the partition's monitor around each
 * decision, keeps the producer state in step with the log, parks acks=all produces until the replica
 * decides them, and tells listeners (fetch long polls, followers) after the monitor is released.
 * The replication simulation runs the same {@link Replica}, so a rule fixed there is fixed here.
 *
 * <p>A produce is one step under the monitor ({@link #appendRecordsAsLeader}); listeners are told
 * after it is released.
 */
public final class Partition {
    /** Told when this replica's high watermark or log end moved; called without the monitor held. */
    public interface Listener {
        void highWatermarkAdvanced(TopicPartition tp, long highWatermark);

        void logEndAdvanced(TopicPartition tp, long logEndOffset);
    }

    private final PartitionLog log;
    private final Listener listener;
    private final LongSupplier clockMs;
    private final Replica replica;
    private ProducerStateManager producerState;
    /** acks=all produces park here ({@link DelayedOperations.Watch#ACKS_ALL}), decided under this monitor. */
    private final DelayedOperations delayed;
    /** The high watermark last written by {@link #checkpointHighWatermark} (checkpoint thread only). */
    private volatile long checkpointedHighWatermark = -1;
    /** Below it, recovery took this replica's state from a snapshot without reading the batches; the log verifier reads them. */
    private final long uncheckedBelow;
    private volatile boolean logVerified;
    /** Where the log ended, and how many bytes it had taken, at the last state snapshot (snapshot thread only). */
    private long snapshotEndOffset = -1;
    private long snapshotAppendedBytes;
    private long snapshotAtMs;

    Partition(int localId, PartitionLog log, ReplicaRecovery.Result recovered, FollowerLagLimits lagLimits,
              LongSupplier clockMs, Listener listener, DelayedOperations delayed) {
        this.log = log;
        this.delayed = delayed;
        this.producerState = recovered.producerState();
        this.clockMs = clockMs;
        this.listener = listener;
        this.replica = new Replica(localId, new SegmentReplicaLog(), recovered.epochCache(), recovered.highWatermark(),
                lagLimits);
        this.uncheckedBelow = recovered.uncheckedBelow();
        this.logVerified = uncheckedBelow <= log.logStartOffset();
        this.snapshotAtMs = clockMs.getAsLong();
    }

    /** The segment log as the replica sees it; a truncation rebuilds the producer state from what is left. */
    private static final Runnable NOTHING = () -> { };

    private final class SegmentReplicaLog implements ReplicaLog {
        @Override
        public long logStartOffset() {
            return log.logStartOffset();
        }

        @Override
        public long logEndOffset() {
            return log.logEndOffset();
        }

        @Override
        public long durableEndOffset() {
            return log.durableEndOffset();
        }

        @Override
        public boolean acknowledgesOnlyDurableRecords() {
            return log.config().flushPolicy() == FlushPolicy.ACK;
        }

        @Override
        public void flush() {
            log.flush();
        }

        @Override
        public void truncateTo(long offset) {
            log.truncateTo(offset);
            producerState = ReplicaRecovery.recover(log, 0, true).producerState();
        }

        @Override
        public void advanceLogStartOffset(long newStart) {
            log.advanceLogStartOffset(newStart); // producers keep their state: their sequences still hold
        }

        @Override
        public void truncateFullyAndStartAt(long offset) {
            log.truncateFullyAndStartAt(offset);
            producerState = new ProducerStateManager();
        }
    }

    public TopicPartition topicPartition() {
        return log.topicPartition();
    }

    public PartitionLog log() {
        return log;
    }

    public int leaderId() {
        return replica.leaderId();
    }

    public int leaderEpoch() {
        return replica.leaderEpoch();
    }

    public boolean isLeader() {
        return replica.isLeader();
    }

    public long highWatermark() {
        return replica.highWatermark();
    }

    /** The last offset of {@code producerId}'s latest batch in this log, or -1 when it has none (the cleaner asks). */
    public synchronized long producerLastOffset(long producerId) {
        return producerState.producerState(producerId).map(state -> state.lastOffset()).orElse(-1L);
    }

    // ---------------------------------------------------------------- role changes (metadata)

    /**
     * Follows the metadata (see {@link Replica#applyLeaderAndIsr}). Pending acks=all produces fail
     * when leadership is lost: they may or may not survive, so they are indefinite.
     */
    public Replica.RoleChange applyRegistration(PartitionRegistration next, int minIsr, boolean uncleanAllowed) {
        Replica.Transition transition;
        Runnable decided;
        synchronized (this) {
            transition = replica.applyLeaderAndIsr(clockMs.getAsLong(), new LeaderAndIsr(next.leader(), next.leaderEpoch(),
                    next.partitionEpoch(), next.replicas(), next.isr()), minIsr, uncleanAllowed);
            // lost leadership fails every waiting produce; a shrunk ISR fails, a grown one acknowledges some
            decided = takeDecidedAcks();
        }
        decided.run();
        if (transition.highWatermarkAdvanced()) {
            listener.highWatermarkAdvanced(topicPartition(), replica.highWatermark());
        }
        return transition.change();
    }

    // ---------------------------------------------------------------- leader: produce

    /** acks=all before appending: NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas. */
    public synchronized ErrorCode checkEnoughReplicasForAppend() {
        return replica.checkEnoughReplicasForAppend();
    }

    /**
     * The produce step, as one step under this partition's monitor: leadership, the ISR size when
     * {@code requireMinIsr} (acks=all), the idempotence decision over every batch of the request,
     * the append at the current leader epoch (offsets assigned in place in {@code batches}) and the
     * producer state. Followers parked at the old log end are woken after the monitor is released.
     *
     * @param parsed the batches of {@code batches}, parsed once by the caller
     */
    public LeaderAppend appendRecordsAsLeader(ByteBuffer batches, List<RecordBatch> parsed, boolean requireMinIsr) {
        return appendRecordsAsLeader(batches, parsed, requireMinIsr, -1);
    }

    /**
     * As {@link #appendRecordsAsLeader(ByteBuffer, List, boolean)}, refused unless this replica leads
     * at {@code expectedLeaderEpoch} (-1: any epoch): a writer whose state belongs to one leader epoch
     * (the group coordinator) never appends in another.
     */
    public LeaderAppend appendRecordsAsLeader(ByteBuffer batches, List<RecordBatch> parsed, boolean requireMinIsr,
                                              int expectedLeaderEpoch) {
        LeaderAppend result;
        synchronized (this) {
            result = expectedLeaderEpoch >= 0 && replica.leaderEpoch() != expectedLeaderEpoch
                    ? new LeaderAppend.Refused(ErrorCode.NOT_LEADER_OR_FOLLOWER, "node " + replica.localId() + " leads "
                            + topicPartition() + " at epoch " + replica.leaderEpoch() + ", not " + expectedLeaderEpoch)
                    : appendUnderMonitor(batches, parsed, requireMinIsr);
        }
        if (result instanceof LeaderAppend.Appended) {
            listener.logEndAdvanced(topicPartition(), log.logEndOffset());
            if (log.config().flushPolicy() == FlushPolicy.INTERVAL) {
                listener.highWatermarkAdvanced(topicPartition(), replica.highWatermark());
                recheckAcks();
            }
        }
        return result;
    }

    private LeaderAppend appendUnderMonitor(ByteBuffer batches, List<RecordBatch> parsed, boolean requireMinIsr) {
        if (!replica.isLeader()) {
            return new LeaderAppend.Refused(ErrorCode.NOT_LEADER_OR_FOLLOWER, "node " + replica.localId()
                    + " does not lead " + topicPartition());
        }
        if (requireMinIsr && replica.checkEnoughReplicasForAppend() != ErrorCode.NONE) {
            return new LeaderAppend.Refused(ErrorCode.NOT_ENOUGH_REPLICAS, "the ISR of " + topicPartition() + " is "
                    + replica.isr() + ", fewer than min.insync.replicas; nothing was appended");
        }
        RequestValidation decision = RequestValidation.of(producerState, parsed);
        if (decision instanceof RequestValidation.Reject reject) {
            return new LeaderAppend.Refused(reject.code(), "produce to " + topicPartition() + " rejected: "
                    + reject.message());
        }
        if (decision instanceof RequestValidation.Duplicate duplicate) {
            return new LeaderAppend.Duplicate(duplicate.firstOffset(), duplicate.lastOffset());
        }
        AppendInfo info = log.append(batches, replica.leaderEpoch());
        parsed.forEach(producerState::onAppended); // base offsets are assigned now
        replica.onLeaderAppend(); // listeners hear of a moved high watermark after the monitor
        return new LeaderAppend.Appended(info);
    }

    /** The leader's log became durable further (the flusher's fsync): its own end counts now. */
    public void onLocalDurable() {
        boolean advanced;
        Runnable decided = NOTHING;
        synchronized (this) {
            advanced = replica.onLocalDurable();
            if (advanced) {
                decided = takeDecidedAcks();
            }
        }
        if (advanced) {
            decided.run();
            listener.highWatermarkAdvanced(topicPartition(), replica.highWatermark());
        }
    }

    /**
     * acks=all: completes with NONE once the high watermark reaches {@code requiredOffset} with the
     * ISR at min.insync.replicas or more; with NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank
     * below it, or when leadership moved away first; with REQUEST_TIMED_OUT after {@code timeoutMs}.
     */
    public CompletableFuture<ErrorCode> awaitReplication(long requiredOffset, long timeoutMs) {
        synchronized (this) {
            AckDecision decision = replica.canAcknowledge(requiredOffset);
            if (decision.kind() != AckDecision.Kind.WAIT) {
                return CompletableFuture.completedFuture(decision.error()); // NONE when acknowledged
            }
            // decided by takeDecidedAcks under this monitor, never by the registry's own check
            return delayed.await(topicPartition(), DelayedOperations.Watch.ACKS_ALL, requiredOffset, timeoutMs,
                    () -> Long.MIN_VALUE);
        }
    }

    private void recheckAcks() {
        Runnable decided;
        synchronized (this) {
            decided = takeDecidedAcks();
        }
        decided.run();
    }

    /**
     * Takes the acks=all waiters the replica can decide now (call under the monitor; run the result
     * after releasing it): all of them once leadership is gone; those at or below the high watermark
     * otherwise, acknowledged, or failed when the ISR is below min.insync.replicas.
     */
    private Runnable takeDecidedAcks() {
        if (!replica.isLeader()) {
            return delayed.completeAbove(topicPartition(), DelayedOperations.Watch.ACKS_ALL, Long.MIN_VALUE,
                    ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        }
        long hw = replica.highWatermark();
        AckDecision decision = replica.canAcknowledge(hw);
        return delayed.complete(topicPartition(), DelayedOperations.Watch.ACKS_ALL, hw, decision.error());
    }

    // ---------------------------------------------------------------- leader: followers

    /**
     * A follower's fetch arrived: checks its epoch and offset and records its progress. The high
     * watermark may advance, which may complete acks=all produces.
     */
    public FollowerFetchResult onFollowerFetch(int replicaId, long fetchOffset, int followerLeaderEpoch,
                                               int lastFetchedEpoch) {
        FollowerFetchResult result;
        Runnable decided = NOTHING;
        synchronized (this) {
            result = replica.handleFollowerFetch(clockMs.getAsLong(), replicaId, fetchOffset, followerLeaderEpoch,
                    lastFetchedEpoch);
            if (result.highWatermarkAdvanced()) {
                decided = takeDecidedAcks();
            }
        }
        if (result.highWatermarkAdvanced()) {
            decided.run();
            listener.highWatermarkAdvanced(topicPartition(), result.highWatermark());
        }
        return result;
    }

    /** OffsetsForLeaderEpoch on this replica's log. */
    public synchronized EpochEndOffset endOffsetForEpoch(int requestedEpoch) {
        return replica.endOffsetForEpoch(requestedEpoch);
    }

    /** The ISR change this leader wants now, if any and none is in flight. */
    public synchronized Optional<IsrChangeProposal> isrChangeToPropose() {
        return replica.isrChangeToPropose(clockMs.getAsLong());
    }

    /** Whether {@code proposal} is still this leader's pending ISR change. */
    public synchronized boolean hasPendingIsrChange(IsrChangeProposal proposal) {
        return replica.hasPendingIsrChange(proposal);
    }

    /** The controller refused the proposal: the next check may propose again. */
    public synchronized void abandonIsrChange(IsrChangeProposal proposal) {
        replica.abandonIsrChange(proposal);
    }

    // ---------------------------------------------------------------- follower

    /** The epoch a follower asks the leader about before fetching. */
    public synchronized int latestLocalEpoch() {
        return replica.epochToQuery();
    }

    /** See {@link Replica#truncateAfterDivergence}; empty when this replica no longer follows at {@code followedEpoch}. */
    public synchronized Optional<FollowerTruncation.Decision> truncateAfterDivergence(int followedEpoch, EpochEndOffset answer,
                                                                                   long leaderLogStartOffset) {
        return replica.truncateAfterDivergence(followedEpoch, answer, leaderLogStartOffset);
    }

    /**
     * Appends batches fetched from {@code fetchOffset} at {@code followedEpoch}, keeping their offsets
     * and epochs, and records them in the epoch cache and the producer state so this replica can lead
     * next.
     *
     * @return what the replica made of the data: appended, or dropped because the role changed or
     *     the log end moved since the fetch was sent
     */
    public Replica.FetchedDataCheck appendAsFollower(int followedEpoch, long fetchOffset, ByteBuffer records) {
        synchronized (this) {
            Replica.FetchedDataCheck check = replica.checkFetchedData(followedEpoch, fetchOffset);
            if (check != Replica.FetchedDataCheck.APPEND) {
                return check;
            }
            List<RecordBatch> batches = new ArrayList<>();
            RecordBatches.of(records.duplicate()).forEach(batches::add);
            log.appendAsFollower(records);
            for (RecordBatch batch : batches) {
                replica.onFetchedBatch(batch.partitionLeaderEpoch(), batch.baseOffset());
                producerState.onAppended(batch);
            }
            return check;
        }
    }

    /** See {@link Replica#followerFetchPosition}. */
    public synchronized Optional<Replica.FetchPosition> followerFetchPosition(int followedEpoch) {
        return replica.followerFetchPosition(followedEpoch);
    }

    /** The leader's high watermark from a fetch response; bounded by the local log end. */
    public synchronized void updateFollowerHighWatermark(int followedEpoch, long leaderHighWatermark) {
        replica.updateFollowerHighWatermark(followedEpoch, leaderHighWatermark);
    }

    /** See {@link Replica#startAtLeaderLogStart}. */
    public synchronized boolean startAtLeaderLogStart(int followedEpoch, long leaderLogStartOffset) {
        return replica.startAtLeaderLogStart(followedEpoch, leaderLogStartOffset);
    }

    /** A follower's log start follows its leader's (bounded by its own high watermark). */
    public synchronized void followLeaderLogStart(int followedEpoch, long leaderLogStartOffset) {
        replica.followLeaderLogStart(followedEpoch, leaderLogStartOffset);
    }

    // ---------------------------------------------------------------- log start: retention and DeleteRecords

    /**
     * Deletes what the topic's retention no longer keeps (whole segments, below the high watermark),
     * in either role.
     *
     * @param nowMs wall-clock time (retention.ms is compared with record timestamps)
     * @return the log start offset now
     */
    public synchronized long enforceRetention(long nowMs) {
        return replica.advanceLogStartOffset(log.retentionStartOffset(nowMs, replica.highWatermark()));
    }

    /** See {@link Replica#deleteRecords}. */
    public synchronized DeleteRecordsResult deleteRecords(long offset) {
        return replica.deleteRecords(offset);
    }

    /** The high watermark to checkpoint, when it moved since the last checkpoint (checkpoint thread only). */
    public OptionalLong highWatermarkCheckpointDue() {
        long due = log.highWatermarkToCheckpoint(replica.highWatermark());
        return due == checkpointedHighWatermark ? OptionalLong.empty() : OptionalLong.of(due);
    }

    /** The checkpoint of {@code highWatermark} is durable (checkpoint thread only). */
    public void onHighWatermarkCheckpointed(long highWatermark) {
        checkpointedHighWatermark = highWatermark;
    }

    /**
     * Whether every batch of this replica's log has been read and checked since it was hosted: at
     * start-up recovery, or afterwards by the log verifier for the part recovery took from a
     * snapshot. A follower does not fetch before, so that it cannot rejoin the ISR with damage below
     * the snapshot (a leader serves at once: it is the last in-sync replica, see PartitionManager).
     */
    public boolean logVerified() {
        return logVerified;
    }

    /** The offset below which the log still awaits the verifier (see {@link #logVerified}). */
    long uncheckedBelow() {
        return uncheckedBelow;
    }

    /** Walks the log from its start up to where recovery began to read it (see {@link LogVerifier}). */
    LogVerification.Walked verifyUncheckedPrefix(LogVerification.Pace pace) throws InterruptedException {
        return LogVerification.walk(log, log.logStartOffset(), uncheckedBelow, batch -> { }, pace);
    }

    void markLogVerified() {
        logVerified = true;
    }

    /**
     * Stores a snapshot of this replica's state (producers and leader epochs) as of its log end, when
     * the log took {@code bytesBetween} bytes or more since the last one, or moved at all and the last
     * is {@code maxAgeMs} old; {@code maxAgeMs} 0 snapshots whenever the log moved (a clean stop).
     * Recovery then scans only what came after. Snapshot thread only.
     *
     * @return whether a snapshot was stored
     */
    public boolean snapshotStateIfDue(long bytesBetween, long maxAgeMs) {
        long appended = log.appendedBytes();
        long now = clockMs.getAsLong();
        boolean moved = log.logEndOffset() != snapshotEndOffset;
        if (!moved || (appended - snapshotAppendedBytes < bytesBetween && now - snapshotAtMs < maxAgeMs)) {
            return false;
        }
        long endOffset;
        Optional<byte[]> snapshot;
        synchronized (this) { // the log end, the producers and the epochs as of one moment
            endOffset = log.logEndOffset();
            snapshot = ReplicaStateSnapshots.encode(endOffset, producerState.snapshot(), replica.epochEntries());
        }
        snapshotEndOffset = endOffset;
        snapshotAppendedBytes = appended;
        snapshotAtMs = now;
        if (snapshot.isEmpty()) {
            return false;
        }
        log.putStateSnapshot(endOffset, snapshot.get());
        return true;
    }

    /** Leader only: the ISR is smaller than the replica set. */
    public synchronized boolean isUnderReplicated() {
        return replica.isUnderReplicated();
    }

    /** Leader only: the ISR is below min.insync.replicas, so acks=all produces are refused. */
    public synchronized boolean isUnderMinIsr() {
        return replica.isUnderMinIsr();
    }

    /** For tests and describe: the leader's view of the ISR, or the metadata's when following. */
    public synchronized List<Integer> isr() {
        return replica.isr();
    }

    /** The epoch cache entries, for tests. */
    public synchronized List<LeaderEpochCache.EpochEntry> epochEntries() {
        return replica.epochEntries();
    }
}
