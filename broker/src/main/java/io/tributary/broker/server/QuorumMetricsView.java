package io.tributary.broker.server;

import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.metadata.MetadataQuorum;

/** The metadata quorum's figures for the node's metrics, read at scrape time. */
record QuorumMetricsView(MetadataQuorum quorum) implements BrokerMetrics.MetadataQuorumView {
    @Override
    public long appliedOffset() {
        return quorum.image().version();
    }

    @Override
    public long term() {
        return quorum.currentTerm();
    }

    @Override
    public boolean isActiveController() {
        return quorum.isLeader();
    }

    @Override
    public int offlinePartitions() {
        return quorum.image().offlinePartitions();
    }

    @Override
    public int fencedBrokers() {
        return quorum.image().fencedBrokers();
    }

    @Override
    public int registeredBrokers() {
        return quorum.image().brokers().size();
    }
}
