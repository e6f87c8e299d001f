package io.tributary.broker.replica;

import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.metadata.MetadataQuorum;
import io.tributary.proto.metadata.v1.AlterPartitionCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.replication.IsrChangeProposal;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the controller for the ISR changes this broker's led partitions want (AlterPartition through
 * the Ratis client): every tick, each leader's pure state says whether a follower fell behind for
 * replica.lag.time.max.ms or caught up. The committed change reaches the partition through the
 * metadata image; a refused or lost one is abandoned so the next tick decides again.
 */
public final class IsrChangeSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IsrChangeSender.class);
    /** How long an accepted proposal may take to show up in the local image before it counts as lost. */
    private static final long ACCEPTED_GRACE_MS = 2_000;

    private final int localId;
    private final LongSupplier brokerEpoch;
    private final PartitionManager partitions;
    private final MetadataQuorum quorum;
    private final ScheduledExecutorService scheduler;
    private final long tickMs;
    private ScheduledFuture<?> task;

    public IsrChangeSender(int localId, LongSupplier brokerEpoch, PartitionManager partitions, MetadataQuorum quorum,
                           ScheduledExecutorService scheduler, long tickMs) {
        this.localId = localId;
        this.brokerEpoch = brokerEpoch;
        this.partitions = partitions;
        this.quorum = quorum;
        this.scheduler = scheduler;
        this.tickMs = tickMs;
    }

    public void start() {
        task = scheduler.scheduleWithFixedDelay(this::tick, tickMs, tickMs, TimeUnit.MILLISECONDS);
    }

    void tick() {
        long epoch = brokerEpoch.getAsLong();
        if (epoch < 0) {
            return; // not registered yet
        }
        for (Partition partition : partitions.partitions().values()) {
            if (!partition.isLeader()) {
                continue;
            }
            try {
                partition.isrChangeToPropose().ifPresent(p -> send(partition, p, epoch));
            } catch (RuntimeException e) {
                log.error("{}: cannot decide an ISR change: {}", partition.topicPartition(), e.toString(), e);
            }
        }
    }

    private void send(Partition partition, IsrChangeProposal proposal, long brokerEpoch) {
        MetadataCommand command = MetadataCommand.newBuilder().setAlterPartition(AlterPartitionCommand.newBuilder()
                .setBrokerId(localId).setBrokerEpoch(brokerEpoch).setTopicId(partition.log().topicId())
                .setPartition(partition.topicPartition().partition()).setLeaderEpoch(proposal.leaderEpoch())
                .setPartitionEpoch(proposal.partitionEpoch()).addAllNewIsr(proposal.newIsr())).build();
        log.info("{}: proposing ISR {} (was {}, partition epoch {})", partition.topicPartition(),
                proposal.newIsr(), partition.isr(), proposal.partitionEpoch());
        quorum.submit(command).whenComplete((result, failure) -> {
            if (failure != null || result.getErrorCode() != ErrorCode.NONE_VALUE) {
                log.info("{}: ISR change {} not made: {}", partition.topicPartition(), proposal.newIsr(),
                        failure != null ? failure.toString() : ErrorCode.forNumber(result.getErrorCode()) + " "
                                + result.getErrorMessage());
                partition.abandonIsrChange(proposal);
            } else {
                // Normally the image applies it first (clearing the proposal); this only frees a lost one.
                scheduler.schedule(() -> partition.abandonIsrChange(proposal), ACCEPTED_GRACE_MS, TimeUnit.MILLISECONDS);
            }
        });
    }

    @Override
    public void close() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
