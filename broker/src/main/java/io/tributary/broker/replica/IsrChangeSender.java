package io.tributary.broker.replica;

import io.tributary.broker.partition.Partition;
import io.tributary.metadata.QuorumUnavailableException;
import io.tributary.proto.metadata.v1.AlterPartitionCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.replication.IsrChangeProposal;
import io.tributary.replication.IsrProposalFate;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the controller for the ISR changes this broker's led partitions want (AlterPartition through
 * the metadata quorum): every tick, each leader's pure state says whether a follower fell behind for
 * replica.lag.time.max.ms or caught up. The committed change reaches the partition through the
 * metadata image, which clears the proposal.
 *
 * <p>What happens to a proposal after the controller's answer, or when none came, is
 * {@link IsrProposalFate}'s rule (the replication simulation runs the same rule); without an answer
 * the proposal is kept pending and sent again after {@link #UNKNOWN_OUTCOME_RETRY_MS}.
 */
public final class IsrChangeSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IsrChangeSender.class);
    /** How soon a proposal whose outcome is unknown is sent again. */
    static final long UNKNOWN_OUTCOME_RETRY_MS = 500;

    private final int localId;
    private final LongSupplier brokerEpoch;
    private final Supplier<Collection<Partition>> partitions;
    private final Function<MetadataCommand, CompletableFuture<MetadataCommandResult>> quorum;
    private final ScheduledExecutorService scheduler;
    private final long tickMs;
    /** The last refusal logged per partition, so that a refusal repeated every tick is logged once. */
    private final Map<Partition, String> lastRefusal = new HashMap<>();
    private ScheduledFuture<?> task;

    public IsrChangeSender(int localId, LongSupplier brokerEpoch, Supplier<Collection<Partition>> partitions,
                           Function<MetadataCommand, CompletableFuture<MetadataCommandResult>> quorum,
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

    /** One round over the led partitions (the scheduler runs it every tick). */
    public void tick() {
        long epoch = brokerEpoch.getAsLong();
        if (epoch < 0) {
            return; // not registered yet
        }
        for (Partition partition : partitions.get()) {
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
        log.debug("{}: proposing ISR {} (was {}, partition epoch {})", partition.topicPartition(),
                proposal.newIsr(), partition.isr(), proposal.partitionEpoch());
        quorum.apply(command).whenComplete((result, failure) -> handleOutcome(partition, proposal, result, failure));
    }

    private void handleOutcome(Partition partition, IsrChangeProposal proposal, MetadataCommandResult result,
                               Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        boolean answered = cause == null || cause instanceof QuorumUnavailableException; // that one: not sent
        ErrorCode code = !answered ? null : cause != null ? ErrorCode.NOT_CONTROLLER
                : ErrorCode.forNumber(result.getErrorCode());
        String message = !answered ? cause.toString() : cause != null ? cause.getMessage() : result.getErrorMessage();
        switch (answered ? IsrProposalFate.afterAnswer(code) : IsrProposalFate.withoutAnswer()) {
            case RESEND -> {
                log.info("{}: ISR change {} got no answer ({}); it may be committed: kept pending, asked again",
                        partition.topicPartition(), proposal.newIsr(), message);
                scheduler.schedule(() -> resendIfPending(partition, proposal), UNKNOWN_OUTCOME_RETRY_MS,
                        TimeUnit.MILLISECONDS);
            }
            case AWAIT_METADATA -> {
                if (code == ErrorCode.NONE) {
                    synchronized (lastRefusal) {
                        lastRefusal.remove(partition);
                    }
                    log.info("{}: ISR changed to {} (partition epoch {})", partition.topicPartition(),
                            proposal.newIsr(), proposal.partitionEpoch() + 1);
                } else {
                    log.debug("{}: ISR change {} refused ({} {}); the image will bring the newer partition",
                            partition.topicPartition(), proposal.newIsr(), code, message);
                }
            }
            case ABANDON -> {
                logRefusalOnce(partition, proposal, code + " " + message);
                partition.abandonIsrChange(proposal);
            }
        }
    }

    private void resendIfPending(Partition partition, IsrChangeProposal proposal) {
        long epoch = brokerEpoch.getAsLong();
        if (partition.hasPendingIsrChange(proposal) && epoch >= 0) {
            send(partition, proposal, epoch);
        }
    }

    private void logRefusalOnce(Partition partition, IsrChangeProposal proposal, String refusal) {
        String text = proposal.newIsr() + ": " + refusal;
        String previous;
        synchronized (lastRefusal) {
            previous = lastRefusal.put(partition, text);
        }
        if (!text.equals(previous)) {
            log.info("{}: ISR change {} (logged once while it repeats)", partition.topicPartition(), text);
        }
    }

    @Override
    public void close() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
