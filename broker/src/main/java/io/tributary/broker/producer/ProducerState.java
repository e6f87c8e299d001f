package io.tributary.broker.producer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Immutable state of one producer id on one partition: its current epoch and the metadata of its
 * last {@link ProducerStateManager#MAX_RETAINED_BATCHES} appended batches of that epoch, oldest
 * first. A new epoch starts with no batches retained.
 *
 * @param producerId    the producer id
 * @param producerEpoch the newest epoch appended for it
 * @param batches       the last batches of that epoch, oldest first, at most MAX_RETAINED_BATCHES
 */
public record ProducerState(long producerId, short producerEpoch, List<BatchMetadata> batches) {

    public ProducerState {
        batches = List.copyOf(batches);
        if (batches.size() > ProducerStateManager.MAX_RETAINED_BATCHES) {
            throw new IllegalArgumentException("at most " + ProducerStateManager.MAX_RETAINED_BATCHES
                    + " batches are retained, got " + batches.size());
        }
    }

    /** The last appended sequence, or {@link io.tributary.record.RecordBatch#NO_SEQUENCE} if none. */
    public int lastSequence() {
        return batches.isEmpty() ? io.tributary.record.RecordBatch.NO_SEQUENCE
                : batches.get(batches.size() - 1).lastSequence();
    }

    /** The offset of the last appended record, or -1 if none. */
    public long lastOffset() {
        return batches.isEmpty() ? -1L : batches.get(batches.size() - 1).lastOffset();
    }

    /** The retained batch with exactly this sequence range, if any. */
    public Optional<BatchMetadata> findBatch(int firstSequence, int lastSequence) {
        for (BatchMetadata b : batches) {
            if (b.firstSequence() == firstSequence && b.lastSequence() == lastSequence) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /**
     * The state after appending {@code batch} in {@code epoch}: a different epoch drops the batches
     * of the previous one; the oldest retained batch is dropped beyond the limit.
     */
    ProducerState withAppended(short epoch, BatchMetadata batch) {
        List<BatchMetadata> next = new ArrayList<>(ProducerStateManager.MAX_RETAINED_BATCHES);
        if (epoch == producerEpoch) {
            next.addAll(batches);
        }
        if (next.size() == ProducerStateManager.MAX_RETAINED_BATCHES) {
            next.remove(0);
        }
        next.add(batch);
        return new ProducerState(producerId, epoch, next);
    }
}
