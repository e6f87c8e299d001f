package io.tributary.broker.partition;

import io.tributary.broker.log.LogManager;
import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.proto.TopicPartition;
import io.tributary.replication.FollowerLagLimits;
import io.tributary.replication.Replica;

/** A {@link PartitionManager} over {@code logs} with a fixed clock and nobody listening but {@code roles}. */
final class TestPartitionManagers {
    /** Hears nothing. */
    static final PartitionManager.RoleListener NO_ROLES = new PartitionManager.RoleListener() {
        @Override
        public void onRoleChange(Partition partition, Replica.RoleChange change) {
        }

        @Override
        public void onRemoved(Partition partition) {
        }
    };

    private TestPartitionManagers() {
    }

    static PartitionManager create(int nodeId, LogManager logs, PartitionManager.RoleListener roles) {
        return new PartitionManager(nodeId, logs, new BrokerMetrics(), FollowerLagLimits.notCaughtUpFor(10_000), () -> 0L,
                new Partition.Listener() {
                    @Override
                    public void highWatermarkAdvanced(TopicPartition tp, long highWatermark) {
                    }

                    @Override
                    public void logEndAdvanced(TopicPartition tp, long logEndOffset) {
                    }
                }, roles);
    }
}
