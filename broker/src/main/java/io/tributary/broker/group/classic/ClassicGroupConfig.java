package io.tributary.broker.group.classic;

/**
 * Settings of Kafka's classic group protocol, under Kafka's own keys.
 *
 * @param minSessionTimeoutMs     {@code group.min.session.timeout.ms}: the shortest session a member may ask for
 * @param maxSessionTimeoutMs     {@code group.max.session.timeout.ms}: the longest
 * @param initialRebalanceDelayMs {@code group.initial.rebalance.delay.ms}: how long the first rebalance of an
 *                                empty group waits for more members, so that a whole group starting at once
 *                                settles in one rebalance rather than one per member
 * @param maxSize                 {@code group.max.size}: the most members a classic group may have
 */
public record ClassicGroupConfig(int minSessionTimeoutMs, int maxSessionTimeoutMs, int initialRebalanceDelayMs,
                                 int maxSize) {
    public static final ClassicGroupConfig DEFAULTS = new ClassicGroupConfig(6_000, 1_800_000, 3_000, Integer.MAX_VALUE);

    public ClassicGroupConfig {
        if (minSessionTimeoutMs <= 0 || maxSessionTimeoutMs < minSessionTimeoutMs) {
            throw new IllegalArgumentException("need 0 < group.min.session.timeout.ms (" + minSessionTimeoutMs
                    + ") <= group.max.session.timeout.ms (" + maxSessionTimeoutMs + ")");
        }
        if (initialRebalanceDelayMs < 0 || maxSize <= 0) {
            throw new IllegalArgumentException("group.initial.rebalance.delay.ms must be >= 0 and group.max.size > 0");
        }
    }
}
