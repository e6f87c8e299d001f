package io.tributary.replication;

/**
 * When a partition leader proposes to drop an ISR follower that lacks some of its records.
 *
 * @param notCaughtUpMaxMs the follower has fetched, but not caught up with the leader's log end, for
 *     this long ({@code replica.lag.time.max.ms}, Kafka's rule: a slow follower)
 * @param silentMaxMs the follower has sent no fetch at all for this long (a dead, paused or cut-off
 *     one: a live follower long-polls at least twice as often). The broker uses its session
 *     timeout, the silence after which the controller fences a broker anyway; what this adds is
 *     that a leader need not wait for the controller's fence, which after a controller failover
 *     comes only a whole session after the new controller took over
 */
public record FollowerLagLimits(long notCaughtUpMaxMs, long silentMaxMs) {
    public FollowerLagLimits {
        if (notCaughtUpMaxMs < 0 || silentMaxMs < 0) {
            throw new IllegalArgumentException("lag limits must be >= 0: " + notCaughtUpMaxMs + ", " + silentMaxMs);
        }
    }

    /** Only Kafka's rule: silence counts as not catching up. */
    public static FollowerLagLimits notCaughtUpFor(long notCaughtUpMaxMs) {
        return new FollowerLagLimits(notCaughtUpMaxMs, notCaughtUpMaxMs);
    }
}
