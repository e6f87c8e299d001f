package io.tributary.broker.server;

import io.tributary.broker.log.LogManager;
import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.metadata.BrokerRegistration;
import io.tributary.metadata.Endpoint;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.MetadataQuorum;
import io.tributary.proto.v1.LeaderHint;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the request handlers share: this node's parts and the threads that finish requests. Parked
 * requests wait in the log manager's {@code DelayedOperations}.
 */
record BrokerContext(int nodeId, int defaultReplicationFactor, MetadataQuorum quorum, PartitionManager partitions,
                     LogManager logManager, BrokerMetrics metrics, Executor completionExecutor,
                     ScheduledExecutorService scheduler, ServingGate serving) {

    static final String CLIENT_LISTENER = "CLIENT";
    static final int DEFAULT_TIMEOUT_MS = 30_000;

    MetadataImage image() {
        return quorum.image();
    }

    /** Where clients reach {@code leaderId}, as far as the metadata knows. */
    LeaderHint leaderHint(int leaderId, int leaderEpoch) {
        LeaderHint.Builder hint = LeaderHint.newBuilder().setLeaderId(leaderId).setLeaderEpoch(leaderEpoch);
        BrokerRegistration broker = image().brokers().get(leaderId);
        if (broker != null) {
            for (Endpoint endpoint : broker.endpoints()) {
                if (endpoint.name().equals(CLIENT_LISTENER)) {
                    hint.setHost(endpoint.host()).setPort(endpoint.port());
                }
            }
        }
        return hint.build();
    }

    static int timeoutOrDefault(int timeoutMs) {
        return timeoutMs > 0 ? timeoutMs : DEFAULT_TIMEOUT_MS;
    }
}
