package io.tributary.broker.producer;

import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** An in-memory partition log that assigns offsets, plus batch builders for the producer-state tests. */
final class PartitionLogStub {
    final List<RecordBatch> batches = new ArrayList<>();
    long nextOffset;

    /** An idempotent batch of {@code records} records; base offset 0 until appended. */
    static RecordBatch batch(long producerId, int epoch, int baseSequence, int records) {
        RecordBatchBuilder builder = new RecordBatchBuilder(0L, producerId, (short) epoch, baseSequence, 0, 128);
        for (int i = 0; i < records; i++) {
            builder.append(1_000L + i, null, ("p" + producerId + "-s" + (baseSequence + i)).getBytes(StandardCharsets.UTF_8));
        }
        return RecordBatch.wrap(builder.build());
    }

    /** Assigns the next offsets to {@code batch}, appends it and returns it. */
    RecordBatch append(RecordBatch batch) {
        batch.setBaseOffset(nextOffset);
        nextOffset = batch.nextOffset();
        batches.add(batch);
        return batch;
    }

    /** The leader's path: validate, append if allowed, then update the state. */
    ValidationResult produce(ProducerStateManager state, RecordBatch batch) {
        ValidationResult result = state.validate(batch);
        if (result.shouldAppend()) {
            append(batch);
            state.onAppended(batch);
        }
        return result;
    }

    /** Drops every batch at or after {@code offset} (a batch boundary). */
    void truncateTo(long offset) {
        batches.removeIf(b -> b.baseOffset() >= offset);
        nextOffset = batches.isEmpty() ? 0L : batches.get(batches.size() - 1).nextOffset();
    }
}
