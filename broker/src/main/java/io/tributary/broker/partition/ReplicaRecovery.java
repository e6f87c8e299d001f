package io.tributary.broker.partition;

import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.producer.ProducerStateManager;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatches;
import io.tributary.replication.LeaderEpochCache;
import java.nio.ByteBuffer;

/**
 * Rebuilds a replica's in-memory state from its log in one scan: idempotent producers' sequences
 * (a retry after a restart or a failover is still recognised as a duplicate) and the leader-epoch
 * cache (each batch carries the epoch it was written in). Snapshots that avoid the full scan come
 * with the storage work.
 */
final class ReplicaRecovery {
    private static final int READ_BYTES = 8 * 1024 * 1024;

    record Result(ProducerStateManager producerState, LeaderEpochCache epochCache, long highWatermark) {
    }

    private ReplicaRecovery() {
    }

    /** @param highWatermarkCheckpoint the last high watermark known for this replica (0 when none) */
    static Result recover(PartitionLog log, long highWatermarkCheckpoint) {
        ProducerStateManager producers = new ProducerStateManager();
        LeaderEpochCache epochs = new LeaderEpochCache();
        long offset = log.logStartOffset();
        long end = log.logEndOffset();
        while (offset < end) {
            ByteBuffer chunk = log.read(offset, READ_BYTES, end);
            if (!chunk.hasRemaining()) {
                break;
            }
            for (RecordBatch batch : RecordBatches.of(chunk)) {
                producers.onAppended(batch);
                if (batch.partitionLeaderEpoch() >= 0) {
                    epochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
                }
                offset = batch.nextOffset();
            }
        }
        return new Result(producers, epochs, Math.min(highWatermarkCheckpoint, end));
    }
}
