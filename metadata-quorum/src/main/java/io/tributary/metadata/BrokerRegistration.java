package io.tributary.metadata;

import java.util.List;

/**
 * A registered broker.
 *
 * @param brokerEpoch the Ratis log index at which this registration was applied
 */
public record BrokerRegistration(int brokerId, String incarnationId, long brokerEpoch,
                                 List<Endpoint> endpoints, String rack) {
    public BrokerRegistration {
        endpoints = List.copyOf(endpoints);
    }
}
