package io.tributary.metadata;

import java.util.List;

/**
 * A registered broker.
 *
 * @param brokerEpoch the Ratis log index at which this registration was applied
 * @param fenced whether the broker is fenced: registered but not (or no longer) allowed to lead or
 *     be added to an ISR. A broker registers fenced; the active controller unfences it once it
 *     heartbeats and has caught up, and fences it again when its lease expires.
 * @param inControlledShutdown whether the broker asked to stop and its leadership was moved away
 */
public record BrokerRegistration(int brokerId, String incarnationId, long brokerEpoch,
                                 List<Endpoint> endpoints, String rack, boolean fenced,
                                 boolean inControlledShutdown) {
    public BrokerRegistration {
        endpoints = List.copyOf(endpoints);
    }

    /** Whether the broker may lead a partition: unfenced and not shutting down. */
    public boolean isEligibleLeader() {
        return !fenced && !inControlledShutdown;
    }
}
