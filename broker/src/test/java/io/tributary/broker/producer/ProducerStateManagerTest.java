package io.tributary.broker.producer;

import io.tributary.broker.producer.ValidationResult.Accepted;
import io.tributary.broker.producer.ValidationResult.Duplicate;
import io.tributary.broker.producer.ValidationResult.InvalidProducerEpoch;
import io.tributary.broker.producer.ValidationResult.NotIdempotent;
import io.tributary.broker.producer.ValidationResult.OutOfOrderSequence;
import io.tributary.broker.producer.ValidationResult.SequenceBeforeRetained;
import io.tributary.proto.Errors;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.tributary.broker.producer.PartitionLogStub.batch;
import static org.assertj.core.api.Assertions.assertThat;

class ProducerStateManagerTest {
    private static final long PID = 42L;

    private final ProducerStateManager state = new ProducerStateManager();
    private final PartitionLogStub log = new PartitionLogStub();

    @Test
    void batchWithoutProducerIdIsNotIdempotent() {
        RecordBatchBuilder builder = new RecordBatchBuilder(128);
        builder.append(1L, null, new byte[] {1});
        RecordBatch plain = RecordBatch.wrap(builder.build());

        assertThat(log.produce(state, plain)).isSameAs(NotIdempotent.INSTANCE);
        assertThat(log.produce(state, RecordBatch.wrap(builder.build()))).isInstanceOf(NotIdempotent.class);
        assertThat(log.batches).hasSize(2);
        assertThat(state.producerCount()).isZero();
        assertThat(state.endOffset()).isEqualTo(2L);
    }

    @Test
    void sequencesInOrderAreAccepted() {
        assertThat(log.produce(state, batch(PID, 0, 0, 3))).isEqualTo(new Accepted(PID, (short) 0, 0, 2));
        assertThat(log.produce(state, batch(PID, 0, 3, 1))).isEqualTo(new Accepted(PID, (short) 0, 3, 3));
        assertThat(log.produce(state, batch(PID, 0, 4, 2)).errorCode()).isEqualTo(ErrorCode.NONE);

        assertThat(log.batches).hasSize(3);
        ProducerState s = state.producerState(PID).orElseThrow();
        assertThat(s.producerEpoch()).isZero();
        assertThat(s.lastSequence()).isEqualTo(5);
        assertThat(s.lastOffset()).isEqualTo(5L);
        assertThat(s.batches()).containsExactly(
                new BatchMetadata(0, 2, 0, 2), new BatchMetadata(3, 3, 3, 3), new BatchMetadata(4, 5, 4, 5));
    }

    @Test
    void aGapIsRejectedAndNothingChanges() {
        log.produce(state, batch(PID, 0, 0, 2));
        ProducerState before = state.producerState(PID).orElseThrow();

        ValidationResult gap = log.produce(state, batch(PID, 0, 3, 1));

        assertThat(gap).isEqualTo(new OutOfOrderSequence(PID, (short) 0, 2, 3));
        assertThat(gap.errorCode()).isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
        assertThat(gap.shouldAppend()).isFalse();
        assertThat(state.producerState(PID)).contains(before);
        assertThat(log.batches).hasSize(1);
        // the missing batch then the one that had the gap
        assertThat(log.produce(state, batch(PID, 0, 2, 1))).isInstanceOf(Accepted.class);
        assertThat(log.produce(state, batch(PID, 0, 3, 1))).isInstanceOf(Accepted.class);
    }

    @Test
    void newProducerMustStartAtSequenceZeroByDefault() {
        assertThat(state.validate(batch(PID, 0, 5, 1))).isEqualTo(new OutOfOrderSequence(PID, (short) 0, 0, 5));
        assertThat(state.validate(batch(PID, 3, 0, 1))).isInstanceOf(Accepted.class);
    }

    @Test
    void kafkaPolicyAcceptsAnySequenceFromAnUnknownProducer() {
        ProducerStateManager lenient = new ProducerStateManager(NewProducerPolicy.ACCEPT_ANY_SEQUENCE);
        assertThat(log.produce(lenient, batch(PID, 0, 5, 1))).isEqualTo(new Accepted(PID, (short) 0, 5, 5));
        // once known, the usual rules apply
        assertThat(lenient.validate(batch(PID, 0, 8, 1))).isEqualTo(new OutOfOrderSequence(PID, (short) 0, 6, 8));
        assertThat(lenient.validate(batch(PID, 0, 6, 1))).isInstanceOf(Accepted.class);
    }

    @Test
    void negativeSequenceWithAProducerIdIsOutOfOrder() {
        assertThat(state.validate(batch(PID, 0, -1, 1))).isEqualTo(new OutOfOrderSequence(PID, (short) 0, 0, -1));
    }

    @Test
    void eachOfTheRetainedBatchesIsADuplicateWithItsOriginalOffsets() {
        int window = ProducerStateManager.MAX_RETAINED_BATCHES;
        List<RecordBatch> sent = new ArrayList<>();
        int seq = 0;
        for (int i = 0; i < window + 1; i++) {
            int count = i % 2 + 1;
            RecordBatch b = batch(PID, 0, seq, count);
            assertThat(log.produce(state, b)).isInstanceOf(Accepted.class);
            sent.add(b);
            seq += count;
        }
        long endBefore = log.nextOffset;

        for (int i = 1; i < window + 1; i++) {
            RecordBatch original = sent.get(i);
            RecordBatch retry = batch(PID, 0, original.baseSequence(), original.recordCount());
            ValidationResult result = log.produce(state, retry);
            assertThat(result).isInstanceOf(Duplicate.class);
            Duplicate dup = (Duplicate) result;
            assertThat(dup.errorCode()).isEqualTo(ErrorCode.NONE);
            assertThat(dup.shouldAppend()).isFalse();
            assertThat(dup.firstOffset()).isEqualTo(original.baseOffset());
            assertThat(dup.lastOffset()).isEqualTo(original.lastOffset());
        }
        // the oldest has fallen out of the window: probably written, offset unknown. Never a definite
        // OUT_OF_ORDER_SEQUENCE, which would tell the producer it was not written (issue 9, hole 3)
        RecordBatch oldest = sent.get(0);
        ValidationResult tooOld = log.produce(state, batch(PID, 0, oldest.baseSequence(), oldest.recordCount()));
        assertThat(tooOld).isEqualTo(new SequenceBeforeRetained(PID, (short) 0, sent.get(1).baseSequence(), 0));
        assertThat(tooOld.errorCode()).isEqualTo(ErrorCode.DUPLICATE_SEQUENCE_NUMBER);
        assertThat(Errors.isDefinite(tooOld.errorCode())).isFalse();
        assertThat(log.nextOffset).isEqualTo(endBefore);
        assertThat(log.batches).hasSize(window + 1);
    }

    @Test
    void aSequenceBeforeTheRetainedOnesIsToldApartFromAGapAcrossTheWrapAround() {
        assertThat(Sequences.isBefore(0, 5)).isTrue();
        assertThat(Sequences.isBefore(5, 5)).isFalse();
        assertThat(Sequences.isBefore(6, 5)).isFalse();
        assertThat(Sequences.isBefore(Integer.MAX_VALUE - 2, 3)).as("behind, across the wrap").isTrue();
        assertThat(Sequences.isBefore(3, Integer.MAX_VALUE - 2)).as("ahead, across the wrap").isFalse();
    }

    @Test
    void aRetryWithADifferentRangeIsNotADuplicate() {
        log.produce(state, batch(PID, 0, 0, 3));
        assertThat(state.validate(batch(PID, 0, 0, 2))).isInstanceOf(OutOfOrderSequence.class);
        assertThat(state.validate(batch(PID, 0, 1, 2))).isInstanceOf(OutOfOrderSequence.class);
    }

    @Test
    void severalBatchesOfOneRequestAreValidatedAndAppliedInOrder() {
        List<RecordBatch> request = List.of(batch(PID, 0, 0, 2), batch(PID, 0, 2, 2), batch(PID, 0, 2, 2),
                batch(PID, 0, 5, 1), batch(PID, 0, 4, 1));
        List<ValidationResult> results = new ArrayList<>();
        for (RecordBatch b : request) {
            results.add(log.produce(state, b));
        }
        assertThat(results).extracting(r -> r.getClass().getSimpleName())
                .containsExactly("Accepted", "Accepted", "Duplicate", "OutOfOrderSequence", "Accepted");
        assertThat(((Duplicate) results.get(2)).firstOffset()).isEqualTo(2L);
        assertThat(log.batches).extracting(RecordBatch::baseSequence).containsExactly(0, 2, 4);
    }

    @Test
    void epochBumpResetsSequences() {
        log.produce(state, batch(PID, 0, 0, 5));
        log.produce(state, batch(PID, 0, 5, 5));

        // a new epoch must restart at 0
        assertThat(state.validate(batch(PID, 1, 10, 1))).isEqualTo(new OutOfOrderSequence(PID, (short) 1, 0, 10));
        assertThat(log.produce(state, batch(PID, 1, 0, 2))).isEqualTo(new Accepted(PID, (short) 1, 0, 1));

        ProducerState s = state.producerState(PID).orElseThrow();
        assertThat(s.producerEpoch()).isEqualTo((short) 1);
        assertThat(s.batches()).containsExactly(new BatchMetadata(0, 1, 10, 11));
        assertThat(log.produce(state, batch(PID, 1, 2, 1))).isInstanceOf(Accepted.class);
        // sequence 0 of the new epoch is a duplicate again, with the new epoch's offset
        assertThat(log.produce(state, batch(PID, 1, 0, 2)))
                .isEqualTo(new Duplicate(PID, (short) 1, new BatchMetadata(0, 1, 10, 11)));
    }

    @Test
    void aFencedEpochIsRejected() {
        log.produce(state, batch(PID, 0, 0, 1));
        log.produce(state, batch(PID, 1, 0, 1));

        ValidationResult zombie = log.produce(state, batch(PID, 0, 1, 1));
        assertThat(zombie).isEqualTo(new InvalidProducerEpoch(PID, (short) 1, (short) 0));
        assertThat(zombie.errorCode()).isEqualTo(ErrorCode.INVALID_PRODUCER_EPOCH);
        // even a retry of the zombie's own appended batch: its epoch is fenced
        assertThat(state.validate(batch(PID, 0, 0, 1))).isInstanceOf(InvalidProducerEpoch.class);
        assertThat(log.batches).hasSize(2);
    }

    @Test
    void producersAreIndependent() {
        log.produce(state, batch(1L, 0, 0, 1));
        assertThat(log.produce(state, batch(2L, 0, 0, 1))).isInstanceOf(Accepted.class);
        assertThat(log.produce(state, batch(1L, 0, 1, 1))).isInstanceOf(Accepted.class);
        assertThat(log.produce(state, batch(2L, 0, 0, 1))).isInstanceOf(Duplicate.class);
        assertThat(state.producerCount()).isEqualTo(2);
    }

    @Test
    void sequencesWrapAroundAtIntegerMaxValue() {
        int max = Integer.MAX_VALUE;
        ProducerStateManager lenient = new ProducerStateManager(NewProducerPolicy.ACCEPT_ANY_SEQUENCE);
        assertThat(log.produce(lenient, batch(PID, 0, max - 2, 2))).isEqualTo(new Accepted(PID, (short) 0, max - 2, max - 1));
        // next is MAX; a batch of 3 from MAX spans MAX, 0, 1
        assertThat(lenient.validate(batch(PID, 0, 0, 1))).isEqualTo(new OutOfOrderSequence(PID, (short) 0, max, 0));
        assertThat(log.produce(lenient, batch(PID, 0, max, 3))).isEqualTo(new Accepted(PID, (short) 0, max, 1));
        assertThat(lenient.producerState(PID).orElseThrow().lastSequence()).isEqualTo(1);
        assertThat(log.produce(lenient, batch(PID, 0, max, 3))).isInstanceOf(Duplicate.class);
        assertThat(log.produce(lenient, batch(PID, 0, 2, 1))).isEqualTo(new Accepted(PID, (short) 0, 2, 2));

        // a batch ending exactly at MAX is followed by 0
        ProducerStateManager other = new ProducerStateManager(NewProducerPolicy.ACCEPT_ANY_SEQUENCE);
        other.onAppended(log.append(batch(7L, 0, max - 1, 2)));
        assertThat(other.producerState(7L).orElseThrow().lastSequence()).isEqualTo(max);
        assertThat(other.validate(batch(7L, 0, 0, 1))).isEqualTo(new Accepted(7L, (short) 0, 0, 0));
    }

    @Test
    void stateRebuiltFromTheLogGivesTheSameDecisions() {
        // two producers, an epoch bump, plain batches in between
        int seq1 = 0;
        for (int i = 0; i < 8; i++) {
            log.produce(state, batch(1L, 0, seq1, 2));
            seq1 += 2;
            if (i % 3 == 0) {
                RecordBatchBuilder plain = new RecordBatchBuilder(128);
                plain.append(1L, null, new byte[] {2});
                log.produce(state, RecordBatch.wrap(plain.build()));
            }
        }
        for (int i = 0; i < 3; i++) {
            log.produce(state, batch(2L, 3, i, 1));
        }
        log.produce(state, batch(2L, 4, 0, 1));

        ProducerStateManager rebuilt = new ProducerStateManager();
        rebuilt.onAppended(batch(99L, 0, 0, 1)); // stale state that the rebuild must drop
        rebuilt.rebuildFrom(log.batches);

        assertThat(rebuilt.endOffset()).isEqualTo(state.endOffset()).isEqualTo(log.nextOffset);
        assertThat(rebuilt.snapshot()).isEqualTo(state.snapshot());
        List<RecordBatch> probes = new ArrayList<>();
        for (int s = 0; s <= seq1 + 2; s++) {
            probes.add(batch(1L, 0, s, 2));
            probes.add(batch(1L, 0, s, 1));
            probes.add(batch(1L, 1, s, 1));
        }
        for (int e = 2; e <= 5; e++) {
            probes.add(batch(2L, e, 0, 1));
            probes.add(batch(2L, e, 1, 1));
            probes.add(batch(2L, e, 2, 1));
        }
        probes.add(batch(3L, 0, 0, 1));
        probes.add(batch(3L, 0, 4, 1));
        for (RecordBatch probe : probes) {
            assertThat(rebuilt.validate(probe)).as("probe pid=%d epoch=%d seq=%d count=%d", probe.producerId(),
                    probe.producerEpoch(), probe.baseSequence(), probe.recordCount()).isEqualTo(state.validate(probe));
        }
        // the duplicates the live state detects are detected after a rebuild, with the original offsets
        assertThat(rebuilt.validate(batch(1L, 0, seq1 - 2, 2)))
                .isEqualTo(new Duplicate(1L, (short) 0, last(state.producerState(1L).orElseThrow().batches())));
    }

    @Test
    void snapshotRestoreAndReplayEqualsTheLiveState() {
        for (int s = 0; s < 6; s++) {
            log.produce(state, batch(PID, 0, s, 1));
        }
        ProducerStateSnapshot snap = state.snapshot();
        for (int s = 6; s < 9; s++) {
            log.produce(state, batch(PID, 0, s, 1));
        }

        ProducerStateManager recovered = new ProducerStateManager();
        recovered.restore(snap);
        for (RecordBatch b : log.batches) {
            if (b.baseOffset() >= snap.endOffset()) {
                recovered.onAppended(b);
            }
        }
        assertThat(recovered.snapshot()).isEqualTo(state.snapshot());
        assertThat(recovered.validate(batch(PID, 0, 8, 1))).isInstanceOf(Duplicate.class);
        assertThat(recovered.validate(batch(PID, 0, 9, 1))).isInstanceOf(Accepted.class);
    }

    @Test
    void followerAppliesAnOlderEpochFromTheLeaderWithoutValidation() {
        state.onAppended(log.append(batch(PID, 2, 0, 1)));
        state.onAppended(log.append(batch(PID, 1, 0, 1)));
        assertThat(state.producerState(PID).orElseThrow().producerEpoch()).isEqualTo((short) 1);
    }

    private static BatchMetadata last(List<BatchMetadata> batches) {
        return batches.get(batches.size() - 1);
    }
}
