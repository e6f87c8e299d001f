package io.tributary.broker.group.classic;

import io.tributary.proto.v1.ErrorCode;

/** The answer to a classic Heartbeat: NONE, REBALANCE_IN_PROGRESS (join again), or why the member is not in the group. */
public record ClassicHeartbeat(ErrorCode error, String errorMessage) {
}
