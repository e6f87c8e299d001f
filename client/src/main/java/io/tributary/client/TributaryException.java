package io.tributary.client;

import io.tributary.proto.Errors;
import io.tributary.proto.v1.ErrorCode;

/**
 * A failure reported by a Tributary broker or by the client itself.
 *
 * <p>Every instance says whether the operation <em>definitely</em> had no effect
 * ({@link #isDefinite()}) or may have taken effect (a timeout, a lost connection): a producer must
 * treat a write failed with an indefinite exception as "unknown". {@link #code()} is the wire
 * {@link ErrorCode}; transport failures, which have no wire code, report
 * {@link ErrorCode#UNKNOWN_SERVER_ERROR} (see {@link NetworkException}) or
 * {@link ErrorCode#REQUEST_TIMED_OUT} (see {@link TimeoutException}).
 */
public class TributaryException extends RuntimeException {
    private final ErrorCode code;
    private final boolean definite;
    private final boolean retriable;

    /** Definiteness and retriability as {@link Errors} classifies {@code code}. */
    public TributaryException(ErrorCode code, String message) {
        this(code, message, Errors.isDefinite(code), Errors.isRetriable(code), null);
    }

    public TributaryException(ErrorCode code, String message, boolean definite, boolean retriable, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.definite = definite;
        this.retriable = retriable;
    }

    /** The wire error code (never {@code NONE}). */
    public ErrorCode code() {
        return code;
    }

    /** True when the operation certainly had no effect; false when it may have happened. */
    public boolean isDefinite() {
        return definite;
    }

    /** True when retrying the same operation later may succeed. */
    public boolean isRetriable() {
        return retriable;
    }

    /**
     * The exception for a wire error code, of the most specific subclass. Definiteness follows
     * {@link Errors#isDefinite(ErrorCode)}.
     *
     * @throws IllegalArgumentException for {@code NONE}
     */
    public static TributaryException forCode(ErrorCode code, String message) {
        String text = message == null || message.isEmpty() ? code.name() : code.name() + ": " + message;
        return switch (code) {
            case NONE -> throw new IllegalArgumentException("NONE is not an error");
            case UNKNOWN_TOPIC_OR_PARTITION -> new UnknownTopicOrPartitionException(text);
            case INVALID_TOPIC_NAME -> new InvalidTopicException(text);
            case TOPIC_ALREADY_EXISTS -> new TopicExistsException(text);
            case CORRUPT_RECORD -> new CorruptRecordException(text);
            case MESSAGE_TOO_LARGE -> new RecordTooLargeException(text);
            case OFFSET_OUT_OF_RANGE -> new OffsetOutOfRangeException(text);
            case NOT_LEADER_OR_FOLLOWER -> new NotLeaderOrFollowerException(text);
            case LEADER_NOT_AVAILABLE -> new LeaderNotAvailableException(text);
            case REQUEST_TIMED_OUT -> new TimeoutException(text, false, null);
            case NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND -> new NotEnoughReplicasException(code, text);
            case UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH, STALE_MEMBER_EPOCH -> new CommitFailedException(code, text);
            case NON_EMPTY_GROUP -> new NonEmptyGroupException(text);
            case GROUP_ID_NOT_FOUND -> new GroupIdNotFoundException(text);
            default -> new TributaryException(code, text);
        };
    }
}
