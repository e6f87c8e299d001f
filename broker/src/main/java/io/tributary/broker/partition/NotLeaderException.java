package io.tributary.broker.partition;

import io.tributary.proto.TopicPartition;

/** A leader-only operation on a replica that does not lead; maps to {@code NOT_LEADER_OR_FOLLOWER}. */
public class NotLeaderException extends RuntimeException {
    private final int leaderId;

    public NotLeaderException(TopicPartition tp, int localId, int leaderId) {
        super("node " + localId + " does not lead " + tp + " (leader " + leaderId + ")");
        this.leaderId = leaderId;
    }

    public int leaderId() {
        return leaderId;
    }
}
