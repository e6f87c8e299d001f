package io.tributary.broker.lifecycle;

/**
 * This broker's lease with the active controller, as the broker can know it: an unfenced heartbeat
 * answer extends it to the heartbeat's send time plus the session timeout. The controller fences a
 * broker one session timeout after the last heartbeat it received, which is no earlier than that,
 * so a broker without a lease stops acting as leader before (or when) the controller moves its
 * leaderships away: a leader cut off from the metadata quorum stops taking writes it could never
 * commit. Pure: times come in as nanos.
 */
public final class BrokerLease {
    private final long sessionTimeoutNanos;
    private boolean granted;
    private long expiresNanos;

    public BrokerLease(long sessionTimeoutNanos) {
        this.sessionTimeoutNanos = sessionTimeoutNanos;
    }

    /** The controller answered a heartbeat sent at {@code sentNanos}. */
    public synchronized void onHeartbeatAnswer(long sentNanos, boolean fenced) {
        if (fenced) {
            granted = false;
        } else if (!granted || sentNanos + sessionTimeoutNanos - expiresNanos > 0) {
            granted = true;
            expiresNanos = sentNanos + sessionTimeoutNanos;
        }
    }

    public synchronized boolean isValid(long nowNanos) {
        return granted && nowNanos - expiresNanos < 0;
    }

    /** How long ago the lease ran out (0 while valid or never granted). */
    public synchronized long expiredForNanos(long nowNanos) {
        return granted && nowNanos - expiresNanos >= 0 ? nowNanos - expiresNanos : 0;
    }
}
