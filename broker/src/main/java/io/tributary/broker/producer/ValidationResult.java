package io.tributary.broker.producer;

import io.tributary.proto.v1.ErrorCode;

/**
 * The leader's decision on one batch before it is appended. Only {@link #shouldAppend()} results
 * go to the log; a {@link Duplicate} is answered with success ({@code NONE}) and the original
 * offsets; the others are definite failures with their error code.
 */
public sealed interface ValidationResult {

    /** The code the produce response carries for this batch. */
    ErrorCode errorCode();

    /** Whether the batch must be appended (and then passed to {@code onAppended}). */
    boolean shouldAppend();

    /** The batch has no producer id: not idempotent, nothing to check. */
    record NotIdempotent() implements ValidationResult {
        public static final NotIdempotent INSTANCE = new NotIdempotent();

        @Override
        public ErrorCode errorCode() {
            return ErrorCode.NONE;
        }

        @Override
        public boolean shouldAppend() {
            return true;
        }
    }

    /** The batch continues the producer's sequence (or starts a new epoch at 0): append it. */
    record Accepted(long producerId, short producerEpoch, int firstSequence, int lastSequence)
            implements ValidationResult {
        @Override
        public ErrorCode errorCode() {
            return ErrorCode.NONE;
        }

        @Override
        public boolean shouldAppend() {
            return true;
        }
    }

    /**
     * The batch is a retry of one of the last retained batches: append nothing and answer success
     * with the original offsets.
     */
    record Duplicate(long producerId, short producerEpoch, BatchMetadata original) implements ValidationResult {
        public long firstOffset() {
            return original.firstOffset();
        }

        public long lastOffset() {
            return original.lastOffset();
        }

        @Override
        public ErrorCode errorCode() {
            return ErrorCode.NONE;
        }

        @Override
        public boolean shouldAppend() {
            return false;
        }
    }

    /**
     * The batch does not start at the next expected sequence: a gap (the batches before it are not
     * in this log), or a new epoch not starting at 0. The batch itself was not written here.
     *
     * @param expectedSequence the first sequence the leader would accept in this epoch
     * @param receivedSequence the batch's base sequence
     */
    record OutOfOrderSequence(long producerId, short producerEpoch, int expectedSequence, int receivedSequence)
            implements ValidationResult {
        @Override
        public ErrorCode errorCode() {
            return ErrorCode.OUT_OF_ORDER_SEQUENCE;
        }

        @Override
        public boolean shouldAppend() {
            return false;
        }
    }

    /**
     * The batch's sequence comes before every retained batch of its producer and epoch: a retry of a
     * batch appended so long ago that the leader no longer remembers where. Most likely written
     * already; the outcome is unknown to the producer, whose later sequences remain valid.
     *
     * @param oldestRetainedSequence the first sequence of the oldest batch the leader retains
     */
    record SequenceBeforeRetained(long producerId, short producerEpoch, int oldestRetainedSequence,
                                  int receivedSequence) implements ValidationResult {
        @Override
        public ErrorCode errorCode() {
            return ErrorCode.DUPLICATE_SEQUENCE_NUMBER;
        }

        @Override
        public boolean shouldAppend() {
            return false;
        }
    }

    /** The batch carries an epoch older than the producer's current one: a fenced (zombie) producer. */
    record InvalidProducerEpoch(long producerId, short currentEpoch, short receivedEpoch)
            implements ValidationResult {
        @Override
        public ErrorCode errorCode() {
            return ErrorCode.INVALID_PRODUCER_EPOCH;
        }

        @Override
        public boolean shouldAppend() {
            return false;
        }
    }
}
