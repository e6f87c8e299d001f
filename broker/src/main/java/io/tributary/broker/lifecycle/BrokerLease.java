package io.tributary.broker.lifecycle;

/**
 * This broker's lease with the active controller, as the broker can know it: an unfenced heartbeat
 * answer extends it to the heartbeat's send time plus the session timeout. The controller fences a
 * broker one session timeout after the last heartbeat it received, which is no earlier than that,
 * so a broker without a lease stops acting as leader before (or when) the controller moves its
 * leaderships away: a leader cut off from the metadata quorum stops taking writes it could never
 * commit.
 *
 * <p>While the controller is being replaced nobody answers heartbeats, yet nobody can fence the
 * broker either ({@link ElectionLeaseRule}): a probe of the voters that shows an election under way
 * extends a still valid lease a little past the probe's send time, and at most {@code
 * maxElectionExtensionNanos} past the last answered heartbeat's expiry, so that healthy brokers do
 * not all stop leading while their controller fails over.
 *
 * <p>An answer after a lapse does not restore the lease by itself: while the broker was cut off its
 * partitions (and the groups it coordinated) may have moved to others, which its own metadata does
 * not show yet. The lease counts again once its metadata reaches the offset the controller was at
 * when it answered (a chaos run caught a deposed coordinator answering from stale state in that
 * window). Pure: times come in as nanos.
 */
public final class BrokerLease {
    private final long sessionTimeoutNanos;
    private final long maxElectionExtensionNanos;
    private boolean granted;
    private long heartbeatExpiresNanos;
    private long expiresNanos;
    /** After a lapse, the metadata offset this node must have applied before the lease counts again. */
    private long requiredMetadataOffset = Long.MIN_VALUE;

    public BrokerLease(long sessionTimeoutNanos) {
        this(sessionTimeoutNanos, 0);
    }

    public BrokerLease(long sessionTimeoutNanos, long maxElectionExtensionNanos) {
        this.sessionTimeoutNanos = sessionTimeoutNanos;
        this.maxElectionExtensionNanos = maxElectionExtensionNanos;
    }

    /** The controller answered a heartbeat sent at {@code sentNanos}. */
    public synchronized void onHeartbeatAnswer(long sentNanos, boolean fenced) {
        onHeartbeatAnswer(sentNanos, fenced, Long.MIN_VALUE, Long.MIN_VALUE);
    }

    /**
     * The controller answered a heartbeat sent at {@code sentNanos}, at its metadata offset
     * {@code controllerOffset}. When the lease had lapsed (or was never granted) at {@code
     * answeredNanos}, it counts again only once this node's metadata reaches that offset: while a
     * broker was cut off, its partitions may have been given to others, which its own metadata
     * does not show yet.
     */
    public synchronized void onHeartbeatAnswer(long sentNanos, boolean fenced, long controllerOffset, long answeredNanos) {
        if (fenced) {
            granted = false;
            return;
        }
        if (controllerOffset != Long.MIN_VALUE && !isValid(answeredNanos)) {
            requiredMetadataOffset = Math.max(requiredMetadataOffset, controllerOffset);
        }
        long until = sentNanos + sessionTimeoutNanos;
        if (!granted) {
            granted = true;
            heartbeatExpiresNanos = until;
            expiresNanos = until;
            return;
        }
        if (until - heartbeatExpiresNanos > 0) {
            heartbeatExpiresNanos = until;
        }
        if (heartbeatExpiresNanos - expiresNanos > 0) {
            expiresNanos = heartbeatExpiresNanos;
        }
    }

    /**
     * A probe sent at {@code probeSentNanos} found an election under way: the lease, if it was
     * valid when the probe went out, runs until {@code probeSentNanos + extensionNanos} (never
     * shorter than it was, never more than the maximum past the last heartbeat's expiry).
     * Returns whether it was extended.
     */
    public synchronized boolean onElectionUnderWay(long probeSentNanos, long extensionNanos) {
        if (!granted || probeSentNanos - expiresNanos >= 0) {
            return false; // lapsed before the probe: only a heartbeat answer restores it
        }
        long until = Math.min(probeSentNanos + extensionNanos, heartbeatExpiresNanos + maxElectionExtensionNanos);
        if (until - expiresNanos <= 0) {
            return false;
        }
        expiresNanos = until;
        return true;
    }

    public synchronized boolean isValid(long nowNanos) {
        return granted && nowNanos - expiresNanos < 0;
    }

    /** Valid, and this node's metadata ({@code appliedOffset}) has caught up with what a lapse requires. */
    public synchronized boolean isValid(long nowNanos, long appliedOffset) {
        return isValid(nowNanos) && appliedOffset >= requiredMetadataOffset;
    }

    /** How long the lease has left (0 once it ran out or was never granted). */
    public synchronized long remainingNanos(long nowNanos) {
        return isValid(nowNanos) ? expiresNanos - nowNanos : 0;
    }

    /** Whether an election probe has carried the lease past its last heartbeat's expiry. */
    public synchronized boolean isExtendedByElection(long nowNanos) {
        return isValid(nowNanos) && nowNanos - heartbeatExpiresNanos >= 0;
    }

    /** How long ago the lease ran out (0 while valid or never granted). */
    public synchronized long expiredForNanos(long nowNanos) {
        return granted && nowNanos - expiresNanos >= 0 ? nowNanos - expiresNanos : 0;
    }
}
