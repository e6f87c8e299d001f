package io.tributary.metadata;

import java.util.Objects;

/**
 * One member of the metadata quorum (a voter or a listener): its node id and the host:port of its
 * Ratis gRPC transport.
 */
public record QuorumPeer(int id, String host, int port) {
    public QuorumPeer {
        Objects.requireNonNull(host, "host");
        if (id < 0) {
            throw new IllegalArgumentException("peer id must be >= 0, got " + id);
        }
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("peer port out of range: " + port);
        }
    }

    public String address() {
        return host + ":" + port;
    }
}
