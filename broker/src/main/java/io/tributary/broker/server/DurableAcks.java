package io.tributary.broker.server;

import io.tributary.broker.log.FlushPolicy;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.partition.Partition;
import java.util.concurrent.CompletableFuture;

/** The leader's own part of an acknowledgement: its copy of an append durable and counted in the high watermark. */
final class DurableAcks {
    private final BrokerContext context;

    DurableAcks(BrokerContext context) {
        this.context = context;
    }

    /**
     * Completes once the records up to {@code lastOffset} are durable on this leader under the
     * topic's flush policy and the leader's high watermark has counted them (so an acks=1 answer
     * comes after the records became readable on a single-replica partition).
     */
    CompletableFuture<Void> countedOnceDurable(Partition partition, long lastOffset) {
        PartitionLog log = partition.log();
        CompletableFuture<Void> durable = log.config().flushPolicy() == FlushPolicy.ACK
                ? context.logManager().awaitDurable(log, lastOffset + 1)
                : CompletableFuture.completedFuture(null);
        return durable.thenRunAsync(partition::onLocalDurable, context.completionExecutor());
    }
}
