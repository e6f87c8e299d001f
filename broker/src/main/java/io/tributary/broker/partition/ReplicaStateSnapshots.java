package io.tributary.broker.partition;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.producer.BatchMetadata;
import io.tributary.broker.producer.ProducerState;
import io.tributary.broker.producer.ProducerStateManager;
import io.tributary.broker.producer.ProducerStateSnapshot;
import io.tributary.proto.storage.v1.EpochStart;
import io.tributary.proto.storage.v1.ProducerEntry;
import io.tributary.proto.storage.v1.ReplicaStateSnapshot;
import io.tributary.proto.storage.v1.RetainedBatch;
import io.tributary.replication.LeaderEpochCache;
import io.tributary.replication.LeaderEpochCache.EpochEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A replica's producer state and leader-epoch cache as of one offset of its log (Kafka keeps the
 * two as producer snapshot files and a leader-epoch-checkpoint file), so that recovery scans only
 * the batches after it. The log stores them; this class writes and reads their contents.
 *
 * <p>A snapshot is used only against the log it describes: the batch ending just below its offset
 * must still carry the leader epoch the snapshot recorded. Two batches with the same last offset
 * and epoch are the same batch (one leader per epoch assigns each offset once), so a log that was
 * truncated and written again past that offset, or cut short, does not pass; a snapshot that does
 * not is skipped for an older one or for a scan of the whole log.
 */
final class ReplicaStateSnapshots {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReplicaStateSnapshots.class);

    /** A snapshot that matched the log: the state as of {@code endOffset}, to which later batches are applied. */
    record Restored(long endOffset, ProducerStateManager producers, LeaderEpochCache epochs) {
    }

    private ReplicaStateSnapshots() {
    }

    /**
     * Encodes the state of a replica whose log ends at {@code endOffset}; empty when there is nothing
     * to snapshot (an empty log, or no epoch known for its last batch).
     */
    static Optional<byte[]> encode(long endOffset, ProducerStateSnapshot producers, List<EpochEntry> epochs) {
        ReplicaStateSnapshot.Builder snapshot = ReplicaStateSnapshot.newBuilder().setEndOffset(endOffset);
        int lastBatchEpoch = -1;
        for (EpochEntry entry : epochs) {
            if (entry.startOffset() < endOffset) {
                snapshot.addEpochs(EpochStart.newBuilder().setEpoch(entry.epoch()).setStartOffset(entry.startOffset()));
                lastBatchEpoch = entry.epoch();
            }
        }
        if (lastBatchEpoch < 0 || producers.endOffset() != endOffset) {
            return Optional.empty();
        }
        snapshot.setLastBatchEpoch(lastBatchEpoch);
        for (ProducerState state : producers.producers()) {
            ProducerEntry.Builder entry = ProducerEntry.newBuilder().setProducerId(state.producerId())
                    .setProducerEpoch(state.producerEpoch());
            for (BatchMetadata batch : state.batches()) {
                entry.addBatches(RetainedBatch.newBuilder().setFirstSequence(batch.firstSequence())
                        .setLastSequence(batch.lastSequence()).setFirstOffset(batch.firstOffset())
                        .setLastOffset(batch.lastOffset()));
            }
            snapshot.addProducers(entry);
        }
        return Optional.of(snapshot.build().toByteArray());
    }

    /** The newest stored snapshot at or below {@code atOrBelow} that matches {@code log}, restored. */
    static Optional<Restored> restoreLatest(PartitionLog log, long atOrBelow) {
        for (byte[] bytes : log.stateSnapshotsAtOrBelow(atOrBelow)) {
            ReplicaStateSnapshot snapshot;
            try {
                snapshot = ReplicaStateSnapshot.parseFrom(bytes);
            } catch (InvalidProtocolBufferException unreadable) {
                LOG.warn("{}: ignoring an unreadable replica state snapshot: {}", log.topicPartition(), unreadable.getMessage());
                continue;
            }
            long endOffset = snapshot.getEndOffset();
            if (endOffset < log.logStartOffset()) {
                return Optional.empty(); // the older ones are lower still
            }
            OptionalInt epoch = log.epochOfBatchEndingBefore(endOffset);
            if (epoch.isEmpty() || epoch.getAsInt() != snapshot.getLastBatchEpoch()) {
                LOG.info("{}: the replica state snapshot at offset {} does not match the log (its batch there: {}); "
                        + "not used", log.topicPartition(), endOffset, epoch.isEmpty() ? "none" : "epoch " + epoch.getAsInt());
                continue;
            }
            try {
                return Optional.of(restore(snapshot));
            } catch (IllegalArgumentException invalid) {
                LOG.warn("{}: ignoring an invalid replica state snapshot at offset {}: {}", log.topicPartition(), endOffset,
                        invalid.getMessage());
            }
        }
        return Optional.empty();
    }

    private static Restored restore(ReplicaStateSnapshot snapshot) {
        List<ProducerState> states = new ArrayList<>(snapshot.getProducersCount());
        for (ProducerEntry entry : snapshot.getProducersList()) {
            List<BatchMetadata> batches = new ArrayList<>(entry.getBatchesCount());
            for (RetainedBatch b : entry.getBatchesList()) {
                batches.add(new BatchMetadata(b.getFirstSequence(), b.getLastSequence(), b.getFirstOffset(), b.getLastOffset()));
            }
            states.add(new ProducerState(entry.getProducerId(), (short) entry.getProducerEpoch(), batches));
        }
        ProducerStateManager producers = new ProducerStateManager();
        producers.restore(new ProducerStateSnapshot(snapshot.getEndOffset(), states));
        List<EpochEntry> epochs = new ArrayList<>(snapshot.getEpochsCount());
        for (EpochStart e : snapshot.getEpochsList()) {
            epochs.add(new EpochEntry(e.getEpoch(), e.getStartOffset()));
        }
        return new Restored(snapshot.getEndOffset(), producers, new LeaderEpochCache(epochs));
    }
}
