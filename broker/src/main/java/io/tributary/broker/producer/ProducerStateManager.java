package io.tributary.broker.producer;

import io.tributary.record.RecordBatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Idempotent-producer state of one partition replica, in the spirit of Kafka's
 * {@code ProducerStateManager}/{@code ProducerAppendInfo}: per producer id, the current epoch and the
 * last {@value #MAX_RETAINED_BATCHES} appended batches (sequence ranges and offsets).
 *
 * <p>Leader, per produced batch, in request order: {@link #validate} before the append; if
 * {@link ValidationResult#shouldAppend()}, append (the log assigns the base offset) and call
 * {@link #onAppended}; a {@link ValidationResult.Duplicate} is answered with its original offset and
 * {@code NONE}. Batches of one request must be validated and applied one after the other, so a later
 * batch sees the earlier ones.
 *
 * <p>Followers call {@link #onAppended} for every replicated batch (no validation: the leader did
 * it). On recovery, on becoming leader and after truncating the log, the state is rebuilt from the
 * log with {@link #rebuildFrom} (or {@link #restore} a snapshot and replay the batches after it), so
 * a retry after a failover is still recognised as a duplicate.
 *
 * <p>Pure and single-threaded: no clocks, I/O or locking; the owning partition serialises calls.
 * Not handled here: transactions (transactional batches are treated like idempotent ones), and
 * expiry of idle producer ids (needs a clock; see {@link NewProducerPolicy} for the consequence).
 */
public final class ProducerStateManager {
    /**
     * Batches retained per producer for duplicate detection: at least what a producer keeps
     * unanswered per partition (Kafka's producers: 5 requests of one batch; Tributary's: 32 batches,
     * several per request). About 40 bytes each per producer and partition.
     */
    public static final int MAX_RETAINED_BATCHES = 32;

    private final NewProducerPolicy newProducerPolicy;
    private final Map<Long, ProducerState> producers = new HashMap<>();
    private long endOffset;

    public ProducerStateManager() {
        this(NewProducerPolicy.REQUIRE_SEQUENCE_ZERO);
    }

    public ProducerStateManager(NewProducerPolicy newProducerPolicy) {
        this.newProducerPolicy = Objects.requireNonNull(newProducerPolicy, "newProducerPolicy");
    }

    /** Decides whether {@code batch} may be appended. Changes nothing. */
    public ValidationResult validate(RecordBatch batch) {
        long producerId = batch.producerId();
        if (producerId < 0) {
            return ValidationResult.NotIdempotent.INSTANCE;
        }
        short epoch = batch.producerEpoch();
        int firstSeq = batch.baseSequence();
        ProducerState state = producers.get(producerId);
        if (state != null && epoch < state.producerEpoch()) {
            return new ValidationResult.InvalidProducerEpoch(producerId, state.producerEpoch(), epoch);
        }
        if (firstSeq < 0) {
            int expected = state == null || epoch != state.producerEpoch() || state.batches().isEmpty()
                    ? 0 : Sequences.next(state.lastSequence());
            return new ValidationResult.OutOfOrderSequence(producerId, epoch, expected, firstSeq);
        }
        int lastSeq = lastSequence(batch);
        if (state == null) {
            if (firstSeq == 0 || newProducerPolicy == NewProducerPolicy.ACCEPT_ANY_SEQUENCE) {
                return new ValidationResult.Accepted(producerId, epoch, firstSeq, lastSeq);
            }
            return new ValidationResult.OutOfOrderSequence(producerId, epoch, 0, firstSeq);
        }
        if (epoch == state.producerEpoch() && !state.batches().isEmpty()) {
            Optional<BatchMetadata> duplicate = state.findBatch(firstSeq, lastSeq);
            if (duplicate.isPresent()) {
                return new ValidationResult.Duplicate(producerId, epoch, duplicate.get());
            }
            if (Sequences.inSequence(state.lastSequence(), firstSeq)) {
                return new ValidationResult.Accepted(producerId, epoch, firstSeq, lastSeq);
            }
            int oldestRetained = state.batches().get(0).firstSequence();
            if (Sequences.isBefore(firstSeq, oldestRetained)) {
                return new ValidationResult.SequenceBeforeRetained(producerId, epoch, oldestRetained, firstSeq);
            }
            return new ValidationResult.OutOfOrderSequence(producerId, epoch,
                    Sequences.next(state.lastSequence()), firstSeq);
        }
        // A newer epoch (or an epoch with nothing appended yet) restarts the sequence at 0.
        if (firstSeq == 0) {
            return new ValidationResult.Accepted(producerId, epoch, firstSeq, lastSeq);
        }
        return new ValidationResult.OutOfOrderSequence(producerId, epoch, 0, firstSeq);
    }

    /**
     * Records {@code batch}, just appended at its (now assigned) base offset. Trusts the log: it does
     * not validate, so followers and {@link #rebuildFrom} use it too. Non-idempotent batches only
     * advance {@link #endOffset()}.
     */
    public void onAppended(RecordBatch batch) {
        endOffset = Math.max(endOffset, batch.nextOffset());
        long producerId = batch.producerId();
        if (producerId < 0 || batch.baseSequence() < 0) {
            return;
        }
        short epoch = batch.producerEpoch();
        BatchMetadata metadata = new BatchMetadata(batch.baseSequence(), lastSequence(batch),
                batch.baseOffset(), batch.lastOffset());
        ProducerState current = producers.get(producerId);
        ProducerState updated = current == null
                ? new ProducerState(producerId, epoch, List.of(metadata))
                : current.withAppended(epoch, metadata);
        producers.put(producerId, updated);
    }

    /** Forgets all state and replays {@code batches}, the partition's log in offset order. */
    public void rebuildFrom(Iterable<RecordBatch> batches) {
        producers.clear();
        endOffset = 0L;
        for (RecordBatch batch : batches) {
            onAppended(batch);
        }
    }

    /** The state of {@code producerId}, if any of its batches was appended. */
    public Optional<ProducerState> producerState(long producerId) {
        return Optional.ofNullable(producers.get(producerId));
    }

    /** How many producer ids have state. */
    public int producerCount() {
        return producers.size();
    }

    /** The offset after the last batch applied (0 when none). */
    public long endOffset() {
        return endOffset;
    }

    public NewProducerPolicy newProducerPolicy() {
        return newProducerPolicy;
    }

    /** A copy of the whole state, to persist next to the log and {@link #restore} on recovery. */
    public ProducerStateSnapshot snapshot() {
        List<ProducerState> states = new ArrayList<>(producers.values());
        states.sort((a, b) -> Long.compare(a.producerId(), b.producerId()));
        return new ProducerStateSnapshot(endOffset, states);
    }

    /** Replaces the whole state with {@code snapshot}; replay the batches from its end offset on. */
    public void restore(ProducerStateSnapshot snapshot) {
        producers.clear();
        for (ProducerState state : snapshot.producers()) {
            if (producers.put(state.producerId(), state) != null) {
                throw new IllegalArgumentException("snapshot holds producer " + state.producerId() + " twice");
            }
        }
        endOffset = snapshot.endOffset();
    }

    static int lastSequence(RecordBatch batch) {
        return Sequences.increment(batch.baseSequence(), Math.max(batch.lastOffsetDelta(), 0));
    }

    @Override
    public String toString() {
        return "ProducerStateManager(producers=" + producers.size() + ", endOffset=" + endOffset + ")";
    }
}
