package io.tributary.broker.server;

import io.tributary.broker.log.LogManager;
import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.metadata.BrokerRegistration;
import io.tributary.metadata.Endpoint;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.MetadataQuorum;
import io.tributary.proto.v1.LeaderHint;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the request handlers share: this node's parts and the threads that finish requests. Parked
 * requests wait in the log manager's {@code DelayedOperations}.
 */
record BrokerContext(int nodeId, int defaultReplicationFactor, MetadataQuorum quorum, PartitionManager partitions,
                     LogManager logManager, BrokerMetrics metrics, Executor completionExecutor,
                     ScheduledExecutorService scheduler, ServingGate serving, String listener) {

    /** The listener brokers reach each other at (replica fetches), and clients by default. */
    static final String CLIENT_LISTENER = "CLIENT";
    /** The optional second client listener (external.port): clients outside the brokers' network. */
    static final String EXTERNAL_LISTENER = "EXTERNAL";
    /** The Kafka-protocol listener (kafka.port): Kafka clients are told the brokers' Kafka endpoints. */
    static final String KAFKA_LISTENER = "KAFKA";
    static final int DEFAULT_TIMEOUT_MS = 30_000;

    MetadataImage image() {
        return quorum.image();
    }

    /** The same node's context for requests that arrive on {@code listenerName}. */
    BrokerContext onListener(String listenerName) {
        return new BrokerContext(nodeId, defaultReplicationFactor, quorum, partitions, logManager, metrics,
                completionExecutor, scheduler, serving, listenerName);
    }

    /**
     * Where a client of this listener reaches {@code broker}: its endpoint of the same name (as in
     * Kafka, a broker without one is not reachable from this listener's clients).
     */
    Optional<Endpoint> endpointOf(BrokerRegistration broker) {
        return broker.endpoints().stream().filter(e -> e.name().equals(listener)).findFirst();
    }

    /** Where clients reach {@code leaderId}, as far as the metadata knows. */
    LeaderHint leaderHint(int leaderId, int leaderEpoch) {
        LeaderHint.Builder hint = LeaderHint.newBuilder().setLeaderId(leaderId).setLeaderEpoch(leaderEpoch);
        BrokerRegistration broker = image().brokers().get(leaderId);
        if (broker != null) {
            endpointOf(broker).ifPresent(endpoint -> hint.setHost(endpoint.host()).setPort(endpoint.port()));
        }
        return hint.build();
    }

    static int timeoutOrDefault(int timeoutMs) {
        return timeoutMs > 0 ? timeoutMs : DEFAULT_TIMEOUT_MS;
    }
}
