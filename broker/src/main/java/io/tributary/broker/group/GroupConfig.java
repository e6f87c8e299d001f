package io.tributary.broker.group;

import io.tributary.broker.group.classic.ClassicGroupConfig;

/**
 * The coordinator's settings (node keys {@code group.consumer.*} and {@code offset.metadata.max.bytes}).
 *
 * @param sessionTimeoutMs    how long a member may go without a heartbeat before it is removed
 * @param heartbeatIntervalMs how often members are told to heartbeat
 * @param maxSize             the most members a group may have
 * @param metadataMaxBytes    the longest commit metadata string accepted
 * @param offsetsRetentionMs  how long a group without members keeps an offset after its commit and after the
 *                            group was last seen with members ({@code offsets.retention.minutes})
 * @param classic             the settings of Kafka's classic group protocol
 */
public record GroupConfig(int sessionTimeoutMs, int heartbeatIntervalMs, int maxSize, int metadataMaxBytes,
                          long offsetsRetentionMs, ClassicGroupConfig classic) {
    public static final GroupConfig DEFAULTS = new GroupConfig(45_000, 5_000, Integer.MAX_VALUE, 4096, 7 * 24 * 3_600_000L,
            ClassicGroupConfig.DEFAULTS);

    public GroupConfig {
        if (heartbeatIntervalMs <= 0 || sessionTimeoutMs <= heartbeatIntervalMs) {
            throw new IllegalArgumentException("need 0 < heartbeat interval (" + heartbeatIntervalMs
                    + " ms) < session timeout (" + sessionTimeoutMs + " ms)");
        }
    }
}
