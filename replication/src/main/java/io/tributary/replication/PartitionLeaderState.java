package io.tributary.replication;

import io.tributary.proto.v1.ErrorCode;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leader side of one partition in one leader epoch: follower progress, the high watermark, ISR
 * change proposals and acks=all decisions. Pure: time comes in as {@code nowMs}, nothing is sent or
 * written; the driver calls {@link #onAppend} with the log end offset that is durable under the
 * topic's flush policy, so the high watermark only counts data every ISR member has on disk.
 *
 * <pre>
 * event                         effect
 * onAppend(leo)                 leader LEO := leo; maybe advance HW
 * onFollowerFetch(now, r, o, e) e != leader epoch -> FENCED/UNKNOWN_LEADER_EPOCH; else LEO(r) := o,
 *                               update r's caught-up time; maybe advance HW
 * isrChangeToPropose(now)       none in flight: shrink (laggards, silent ones) else expand (caught up) -> pending
 * applyIsr(isr, pEpoch)         controller committed an ISR; clears pending; maybe advance HW
 * abandonPendingIsrChange()     the proposal was rejected or lost
 * </pre>
 *
 * HW = min LEO over the maximal ISR (committed ISR plus a pending expansion, KIP-497), never
 * decreasing; a follower whose LEO is unknown in this epoch holds it back.
 */
public final class PartitionLeaderState {
    private static final long UNKNOWN = -1L;

    private final int leaderId;
    private final Set<Integer> replicas;
    private final int leaderEpoch;
    private int minInsyncReplicas;
    private final FollowerLagLimits lagLimits;
    /** The leader's log end offset when it became leader: followers below it have not fetched this epoch. */
    private final long leaderEpochStartOffset;
    private final Map<Integer, FollowerProgress> followers = new TreeMap<>();

    private Set<Integer> isr;
    private int partitionEpoch;
    private IsrChangeProposal pendingIsrChange;
    private long logEndOffset;
    private long highWatermark;

    private static final class FollowerProgress {
        long logEndOffset = UNKNOWN;
        long lastCaughtUpTimeMs;
        long lastFetchTimeMs;
        long lastFetchLeaderLogEndOffset = UNKNOWN;
    }

    /**
     * @param logEndOffset   the leader's durable log end offset on becoming leader (also the epoch start)
     * @param highWatermark  the leader's high watermark on becoming leader (at most {@code logEndOffset})
     */
    public PartitionLeaderState(int leaderId, Set<Integer> replicas, Set<Integer> isr, int leaderEpoch,
                                int partitionEpoch, int minInsyncReplicas, FollowerLagLimits lagLimits,
                                long logEndOffset, long highWatermark, long nowMs) {
        if (!replicas.contains(leaderId) || !isr.contains(leaderId) || !replicas.containsAll(isr)) {
            throw new IllegalArgumentException("leader " + leaderId + " must be in ISR " + isr + " within replicas " + replicas);
        }
        if (minInsyncReplicas < 1 || highWatermark < 0 || highWatermark > logEndOffset) {
            throw new IllegalArgumentException("invalid config or offsets: minIsr=" + minInsyncReplicas
                    + " hw=" + highWatermark + " leo=" + logEndOffset);
        }
        this.leaderId = leaderId;
        this.replicas = Collections.unmodifiableSet(new TreeSet<>(replicas));
        this.isr = Collections.unmodifiableSet(new TreeSet<>(isr));
        this.leaderEpoch = leaderEpoch;
        this.partitionEpoch = partitionEpoch;
        this.minInsyncReplicas = minInsyncReplicas;
        this.lagLimits = lagLimits;
        this.leaderEpochStartOffset = logEndOffset;
        this.logEndOffset = logEndOffset;
        this.highWatermark = highWatermark;
        for (int r : this.replicas) {
            if (r != leaderId) {
                FollowerProgress p = new FollowerProgress();
                // ISR members get a full lag window to show up (Kafka resets their caught-up time).
                p.lastCaughtUpTimeMs = isr.contains(r) ? nowMs : Long.MIN_VALUE / 2;
                p.lastFetchTimeMs = p.lastCaughtUpTimeMs;
                followers.put(r, p);
            }
        }
    }

    /** The leader's log grew (durably) to {@code newLogEndOffset}. @return whether the HW advanced */
    public boolean onAppend(long newLogEndOffset) {
        if (newLogEndOffset < logEndOffset) {
            throw new IllegalArgumentException("leader log end offset went back from " + logEndOffset + " to " + newLogEndOffset);
        }
        logEndOffset = newLogEndOffset;
        return maybeIncrementHighWatermark();
    }

    /**
     * A follower fetched from {@code fetchOffset} (at most the leader's whole log end, which the
     * caller checks): it holds every record below it. Caught up when
     * the fetch offset reaches the leader's log end now, or the leader's log end at its previous fetch.
     */
    public FollowerFetchResult onFollowerFetch(long nowMs, int replicaId, long fetchOffset, int followerLeaderEpoch) {
        FollowerProgress p = followers.get(replicaId);
        if (p == null) {
            return new FollowerFetchResult(ErrorCode.NOT_LEADER_OR_FOLLOWER, false, highWatermark);
        }
        if (followerLeaderEpoch < leaderEpoch) {
            return new FollowerFetchResult(ErrorCode.FENCED_LEADER_EPOCH, false, highWatermark);
        }
        if (followerLeaderEpoch > leaderEpoch) {
            return new FollowerFetchResult(ErrorCode.UNKNOWN_LEADER_EPOCH, false, highWatermark);
        }
        if (fetchOffset < 0) {
            // Above the log end is the driver's check: it knows the whole log end, this state only
            // the durable part, and a follower may fetch (and report) the leader's not yet durable tail.
            return new FollowerFetchResult(ErrorCode.OFFSET_OUT_OF_RANGE, false, highWatermark);
        }
        if (fetchOffset >= logEndOffset) {
            p.lastCaughtUpTimeMs = Math.max(p.lastCaughtUpTimeMs, nowMs);
        } else if (p.lastFetchLeaderLogEndOffset != UNKNOWN && fetchOffset >= p.lastFetchLeaderLogEndOffset) {
            p.lastCaughtUpTimeMs = Math.max(p.lastCaughtUpTimeMs, p.lastFetchTimeMs);
        }
        p.lastFetchLeaderLogEndOffset = logEndOffset;
        p.lastFetchTimeMs = nowMs;
        p.logEndOffset = fetchOffset;
        boolean advanced = maybeIncrementHighWatermark();
        return new FollowerFetchResult(ErrorCode.NONE, advanced, highWatermark);
    }

    /**
     * The ISR change the leader wants now, if none is in flight: drop followers that lack records
     * and have not caught up for more than replica.lag.time.max.ms or not fetched at all for the
     * silence limit ({@link FollowerLagLimits}), else add followers that fetched in this epoch and reached the HW.
     * A returned proposal is pending until {@link #applyIsr} or {@link #abandonPendingIsrChange}.
     */
    public Optional<IsrChangeProposal> isrChangeToPropose(long nowMs) {
        if (pendingIsrChange != null || !isrMayChange(nowMs)) {
            return Optional.empty(); // the common case, checked without allocating: it runs for every led partition every tick
        }
        TreeSet<Integer> next = new TreeSet<>(isr);
        for (int r : isr) {
            if (r != leaderId && isOutOfSync(followers.get(r), nowMs)) {
                next.remove(r);
            }
        }
        if (next.equals(isr)) {
            for (Map.Entry<Integer, FollowerProgress> e : followers.entrySet()) {
                if (!isr.contains(e.getKey()) && isInSync(e.getValue())) {
                    next.add(e.getKey());
                }
            }
        }
        if (next.equals(isr)) {
            return Optional.empty();
        }
        pendingIsrChange = new IsrChangeProposal(leaderId, leaderEpoch, partitionEpoch, next);
        return Optional.of(pendingIsrChange);
    }

    /** Whether a member of the ISR is out of sync or a follower outside it is in sync: the rules below, without a copy of the ISR. */
    private boolean isrMayChange(long nowMs) {
        for (int r : isr) {
            if (r != leaderId && isOutOfSync(followers.get(r), nowMs)) {
                return true;
            }
        }
        for (Map.Entry<Integer, FollowerProgress> e : followers.entrySet()) {
            if (!isr.contains(e.getKey()) && isInSync(e.getValue())) {
                return true;
            }
        }
        return false;
    }

    private boolean isOutOfSync(FollowerProgress p, long nowMs) {
        return p.logEndOffset != logEndOffset && (nowMs - p.lastCaughtUpTimeMs > lagLimits.notCaughtUpMaxMs()
                || nowMs - p.lastFetchTimeMs > lagLimits.silentMaxMs());
    }

    private boolean isInSync(FollowerProgress p) {
        return p.logEndOffset != UNKNOWN && p.logEndOffset >= highWatermark && p.logEndOffset >= leaderEpochStartOffset;
    }

    /**
     * The controller committed {@code newIsr} at {@code newPartitionEpoch}. Stale epochs are ignored.
     *
     * @return whether the high watermark advanced
     */
    public boolean applyIsr(Set<Integer> newIsr, int newPartitionEpoch) {
        if (newPartitionEpoch <= partitionEpoch) {
            return false;
        }
        if (!newIsr.contains(leaderId) || !replicas.containsAll(newIsr)) {
            throw new IllegalArgumentException("ISR " + newIsr + " must contain leader " + leaderId + " and only replicas " + replicas);
        }
        isr = Collections.unmodifiableSet(new TreeSet<>(newIsr));
        partitionEpoch = newPartitionEpoch;
        pendingIsrChange = null;
        return maybeIncrementHighWatermark();
    }

    /** The topic's min.insync.replicas changed; the next acks=all decisions use it. */
    public void setMinInsyncReplicas(int minInsyncReplicas) {
        if (minInsyncReplicas < 1) {
            throw new IllegalArgumentException("min.insync.replicas must be >= 1, got " + minInsyncReplicas);
        }
        this.minInsyncReplicas = minInsyncReplicas;
    }

    /** The in-flight proposal was rejected or lost; a new one may be proposed. */
    public void abandonPendingIsrChange() {
        pendingIsrChange = null;
    }

    /** acks=all, before appending: NOT_ENOUGH_REPLICAS (definite) when the ISR is already too small, else NONE. */
    public ErrorCode checkEnoughReplicasForAppend() {
        return isr.size() < minInsyncReplicas ? ErrorCode.NOT_ENOUGH_REPLICAS : ErrorCode.NONE;
    }

    /**
     * acks=all, after appending records below {@code requiredOffset} (last offset + 1): acknowledge
     * once the HW reached it and the ISR has at least min.insync.replicas members; if the ISR shrank
     * below that, NOT_ENOUGH_REPLICAS_AFTER_APPEND (the write may have happened); else wait.
     */
    public AckDecision canAcknowledge(long requiredOffset) {
        if (highWatermark < requiredOffset) {
            return AckDecision.WAIT;
        }
        return isr.size() >= minInsyncReplicas
                ? AckDecision.ACKNOWLEDGE
                : AckDecision.fail(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    }

    /** When {@link #isrChangeToPropose} may next return a shrink, or Long.MAX_VALUE. */
    public long nextIsrCheckDeadlineMs() {
        long deadline = Long.MAX_VALUE;
        for (int r : isr) {
            if (r != leaderId) {
                FollowerProgress p = followers.get(r);
                deadline = Math.min(deadline, Math.min(p.lastCaughtUpTimeMs + lagLimits.notCaughtUpMaxMs(),
                        p.lastFetchTimeMs + lagLimits.silentMaxMs()) + 1);
            }
        }
        return deadline;
    }

    private boolean maybeIncrementHighWatermark() {
        long candidate = logEndOffset;
        for (int r : maximalIsr()) {
            if (r == leaderId) {
                continue;
            }
            long leo = followers.get(r).logEndOffset;
            if (leo == UNKNOWN) {
                return false;
            }
            candidate = Math.min(candidate, leo);
        }
        if (candidate > highWatermark) {
            highWatermark = candidate;
            return true;
        }
        return false;
    }

    /** The committed ISR plus a pending expansion: the set the high watermark waits for. */
    public Set<Integer> maximalIsr() {
        if (pendingIsrChange == null) {
            return isr;
        }
        TreeSet<Integer> union = new TreeSet<>(isr);
        union.addAll(pendingIsrChange.newIsr());
        return union;
    }

    public long highWatermark() {
        return highWatermark;
    }

    public long logEndOffset() {
        return logEndOffset;
    }

    public Set<Integer> isr() {
        return isr;
    }

    public Set<Integer> replicas() {
        return replicas;
    }

    public int leaderId() {
        return leaderId;
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    public int partitionEpoch() {
        return partitionEpoch;
    }

    public int minInsyncReplicas() {
        return minInsyncReplicas;
    }

    public long leaderEpochStartOffset() {
        return leaderEpochStartOffset;
    }

    public Optional<IsrChangeProposal> pendingIsrChange() {
        return Optional.ofNullable(pendingIsrChange);
    }

    /** The follower's last fetch offset in this epoch, or -1 when it has not fetched yet. */
    public long followerLogEndOffset(int replicaId) {
        FollowerProgress p = followers.get(replicaId);
        if (p == null) {
            throw new IllegalArgumentException("not a follower: " + replicaId);
        }
        return p.logEndOffset;
    }
}
