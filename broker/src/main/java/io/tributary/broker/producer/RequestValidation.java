package io.tributary.broker.producer;

import io.tributary.proto.v1.ErrorCode;
import io.tributary.record.RecordBatch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The idempotence decision for all the batches one produce request carries for one partition,
 * taken together so the append stays all-or-nothing: the first batch of each producer is checked
 * against the partition's state, later ones must continue its sequence within the request. A
 * request made only of already-appended batches (a retry) is answered with the original offset.
 */
public sealed interface RequestValidation {

    /** Append every batch. */
    record Append() implements RequestValidation {
    }

    /**
     * Every batch was appended before: answer with the first one's original base offset once
     * everything up to {@code lastOffset} is replicated; append nothing.
     */
    record Duplicate(long firstOffset, long lastOffset) implements RequestValidation {
    }

    /** Refuse the whole request; nothing is appended. */
    record Reject(ErrorCode code, String message) implements RequestValidation {
    }

    static RequestValidation of(ProducerStateManager state, List<RecordBatch> batches) {
        Map<Long, RecordBatch> previousInRequest = new HashMap<>();
        int duplicates = 0;
        long firstDuplicateOffset = -1;
        long lastDuplicateOffset = -1;
        int idempotent = 0;
        for (RecordBatch batch : batches) {
            long producerId = batch.producerId();
            if (producerId < 0) {
                continue;
            }
            idempotent++;
            ValidationResult result = state.validate(batch);
            RecordBatch previous = previousInRequest.put(producerId, batch);
            if (result instanceof ValidationResult.Duplicate duplicate) {
                duplicates++;
                firstDuplicateOffset = firstDuplicateOffset < 0 ? duplicate.firstOffset() : firstDuplicateOffset;
                lastDuplicateOffset = Math.max(lastDuplicateOffset, duplicate.lastOffset());
            } else if (previous != null) {
                // the state does not know the request's earlier batches yet: they must be continued
                if (previous.producerEpoch() != batch.producerEpoch()
                        || !Sequences.inSequence(ProducerStateManager.lastSequence(previous), batch.baseSequence())) {
                    return new Reject(ErrorCode.OUT_OF_ORDER_SEQUENCE, "producer " + producerId + ": batch with sequence "
                            + batch.baseSequence() + " does not follow the request's previous batch");
                }
            } else if (!result.shouldAppend()) {
                return new Reject(result.errorCode(), "producer " + producerId + " epoch " + batch.producerEpoch()
                        + " sequence " + batch.baseSequence() + ": " + result);
            }
        }
        if (duplicates == 0) {
            return new Append();
        }
        if (duplicates == batches.size() && duplicates == idempotent) {
            return new Duplicate(firstDuplicateOffset, lastDuplicateOffset);
        }
        return new Reject(ErrorCode.OUT_OF_ORDER_SEQUENCE, "a request mixes batches already appended with new ones");
    }
}
