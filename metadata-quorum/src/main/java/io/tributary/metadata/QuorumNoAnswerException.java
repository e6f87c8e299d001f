package io.tributary.metadata;

import java.io.IOException;

/**
 * The metadata quorum did not answer a request in time (no leader was reachable, or the leader
 * did not reply). The request may or may not have been applied: the outcome is indefinite.
 */
public class QuorumNoAnswerException extends IOException {
    public QuorumNoAnswerException(Throwable cause) {
        super("the metadata quorum did not answer (the request may or may not have been applied): "
                + cause.getMessage(), cause);
    }
}
