package io.tributary.replication;

import io.tributary.proto.v1.ErrorCode;

/**
 * What an acks=all produce waiting for {@code requiredOffset} should do now.
 * {@code error} is {@link ErrorCode#NONE} unless {@code kind == FAIL}.
 */
public record AckDecision(Kind kind, ErrorCode error) {
    public enum Kind {
        /** Keep waiting: the high watermark has not reached the required offset. */
        WAIT,
        /** Acknowledge: every ISR member has it and the ISR is large enough. */
        ACKNOWLEDGE,
        /** Answer the produce with {@link #error}. */
        FAIL
    }

    public static final AckDecision WAIT = new AckDecision(Kind.WAIT, ErrorCode.NONE);
    public static final AckDecision ACKNOWLEDGE = new AckDecision(Kind.ACKNOWLEDGE, ErrorCode.NONE);

    public static AckDecision fail(ErrorCode error) {
        return new AckDecision(Kind.FAIL, error);
    }
}
