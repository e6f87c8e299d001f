package io.tributary.broker.partition;

import io.tributary.proto.TopicPartition;

/** A leader-only operation reached a replica that does not lead the partition; maps to NOT_LEADER_OR_FOLLOWER. */
public final class NotLeaderException extends IllegalStateException {
    private final int leaderId;

    public NotLeaderException(TopicPartition tp, int leaderId) {
        super("this node does not lead " + tp + (leaderId >= 0 ? " (node " + leaderId + " does)" : " (no leader now)"));
        this.leaderId = leaderId;
    }

    /** The leader this replica knows of, or -1. */
    public int leaderId() {
        return leaderId;
    }
}
