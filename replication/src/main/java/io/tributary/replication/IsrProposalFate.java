package io.tributary.replication;

import io.tributary.proto.v1.ErrorCode;

/**
 * What a leader does with its pending ISR proposal once the controller answered (or did not). The
 * proposal stays pending, and its expansion keeps counting for the high watermark (KIP-497/841),
 * until its outcome is known: a leader that forgot a committed expansion would advance the high
 * watermark on the smaller ISR while the controller may elect the added member (issue 9, hole 2).
 *
 * <pre>
 * answer                                          fate
 * NONE                                            AWAIT_METADATA: committed; the registration clears it
 * INVALID_UPDATE_VERSION, FENCED/UNKNOWN_LEADER_  AWAIT_METADATA: the partition moved on; the newer
 *   EPOCH, NOT_LEADER_OR_FOLLOWER                   registration (or role) clears it
 * INELIGIBLE_REPLICA, INVALID_REQUEST, any other  ABANDON: refused; the next check decides again
 * no answer (timeout, lost connection)            RESEND: it may be committed; keep it, ask again later
 * </pre>
 */
public enum IsrProposalFate {
    AWAIT_METADATA,
    ABANDON,
    RESEND;

    /** The fate after the controller's answer {@code code}. */
    public static IsrProposalFate afterAnswer(ErrorCode code) {
        return switch (code) {
            case NONE, INVALID_UPDATE_VERSION, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER ->
                    AWAIT_METADATA;
            default -> ABANDON;
        };
    }

    /** The fate when no answer came. */
    public static IsrProposalFate withoutAnswer() {
        return RESEND;
    }
}
