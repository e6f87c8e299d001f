package io.tributary.metadata;

import java.io.IOException;

/**
 * A metadata request was not sent because this node already has as many waiting for the quorum
 * as it allows: no leader has answered them yet. Nothing was applied; try again later.
 */
public class QuorumUnavailableException extends IOException {
    public QuorumUnavailableException(int outstanding) {
        super("the metadata quorum is not answering: " + outstanding
                + " requests from this node are still waiting, so this one was not sent");
    }
}
