package io.tributary.broker.partition;

import io.tributary.broker.log.LogVerification;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.producer.ProducerStateManager;
import io.tributary.replication.LeaderEpochCache;
import java.util.Optional;

/**
 * Rebuilds a replica's in-memory state from its log: idempotent producers' sequences (a retry after
 * a restart or a failover is still recognised as a duplicate) and the leader-epoch cache (each batch
 * carries the epoch it was written in). It starts from the newest replica state snapshot that
 * matches the log ({@link ReplicaStateSnapshots}) and scans only the batches after it, so the time
 * it takes does not grow with the log; with no such snapshot it scans the whole log. What lies below
 * the snapshot is checked afterwards, in the background ({@link LogVerifier}).
 */
final class ReplicaRecovery {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReplicaRecovery.class);

    /**
     * @param uncheckedBelow the offset below which this recovery took the state from a snapshot
     *     without reading the batches (the log start when it read them all)
     */
    record Result(ProducerStateManager producerState, LeaderEpochCache epochCache, long highWatermark,
                  long uncheckedBelow) {
    }

    /**
     * The high-watermark checkpoint of a replica whose disk was lost or replaced: whatever its log
     * holds, it may lack committed records (see {@link PartitionManager#start(io.tributary.metadata.MetadataImage, boolean)}).
     */
    static final long LOST = Long.MAX_VALUE;

    private ReplicaRecovery() {
    }

    /**
     * Scans the log from the newest matching snapshot on (all of it without one), checking every
     * batch ({@link LogVerification}). Start-up recovery of the segments validates only what lies
     * past the recovery point, so this scan, and the log verifier for the part below the snapshot,
     * is where a flipped bit, a truncated or rolled-back segment below it is found. Damage above the high watermark checkpoint cuts the
     * log there (nothing committed is lost; the follower fetches the rest from its leader). Damage
     * below it, and a log that ends below it (a segment truncated or rolled back, found whole by
     * start-up recovery), mean committed records are gone from this replica. Such a log is cut and
     * hosted only when {@code mayLoseCommitted}: this broker is out of the partition's ISR, so it
     * cannot be elected before it has fetched back what it lost and rejoined (KIP-966's rule: a
     * replica that lost committed data never leads with it), or the topic allows unclean election.
     * Otherwise it is refused with a {@link ReplicaDamagedException} and not hosted here yet.
     *
     * @param highWatermarkCheckpoint the last high watermark known for this replica (0 when none)
     * @param mayLoseCommitted whether a replica that lost committed records may be hosted now
     */
    static Result recover(PartitionLog log, long highWatermarkCheckpoint, boolean mayLoseCommitted) {
        long end = log.logEndOffset();
        Optional<ReplicaStateSnapshots.Restored> restored = highWatermarkCheckpoint == LOST ? Optional.empty()
                : ReplicaStateSnapshots.restoreLatest(log, end);
        ProducerStateManager producers = restored.map(ReplicaStateSnapshots.Restored::producers)
                .orElseGet(ProducerStateManager::new);
        LeaderEpochCache epochs = restored.map(ReplicaStateSnapshots.Restored::epochs).orElseGet(LeaderEpochCache::new);
        long uncheckedBelow = restored.map(ReplicaStateSnapshots.Restored::endOffset).orElse(log.logStartOffset());
        LogVerification.Walked walked;
        try {
            walked = LogVerification.walk(log, uncheckedBelow, end, batch -> {
                producers.onAppended(batch);
                if (batch.partitionLeaderEpoch() >= 0) {
                    epochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
                }
            }, LogVerification.Pace.NONE);
        } catch (InterruptedException impossible) { // Pace.NONE never throws
            throw new IllegalStateException(impossible);
        }
        long offset = walked.reached();
        String damage = walked.damage();
        if (damage == null && highWatermarkCheckpoint == LOST) {
            damage = "this node's disk was lost or replaced (its log ends at offset " + end + ")";
        } else if (damage == null && end < highWatermarkCheckpoint) {
            damage = "the log ends at offset " + end + " (truncated or rolled back)";
        }
        if (damage != null && offset < highWatermarkCheckpoint && !mayLoseCommitted) {
            // Cutting here would drop committed records, and a replica with the shorter log could be
            // elected (it may be the last ISR member): acknowledged writes would be lost. The chaos
            // harness saw exactly that.
            throw new ReplicaDamagedException(log.topicPartition(), offset, log.topicPartition() + ": " + damage
                    + (highWatermarkCheckpoint == LOST ? "" : ", below the high watermark " + highWatermarkCheckpoint)
                    + ": this replica may lack committed records; it is refetched once this broker is out of the"
                    + " partition's ISR");
        }
        if (damage != null && offset < end) {
            log.truncateTo(offset);
            epochs.truncateFromEnd(offset);
        }
        if (damage != null) {
            if (offset < highWatermarkCheckpoint) {
                LOG.warn("{}: {}; committed records from offset {} on may be missing here: the log is cut there and they"
                        + " are fetched again from the leader; this broker is out of the ISR until it has them",
                        log.topicPartition(), damage, offset);
            } else {
                LOG.warn("{}: {}; the log is cut at offset {} (it ended at {}; nothing committed is lost) and the rest"
                        + " is fetched from the leader", log.topicPartition(), damage, offset, end);
            }
            end = log.logEndOffset();
        }
        epochs.truncateFromStart(log.logStartOffset());
        return new Result(producers, epochs, Math.min(highWatermarkCheckpoint, end),
                Math.min(uncheckedBelow, log.logEndOffset()));
    }
}
