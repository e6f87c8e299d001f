package io.tributary.proto;

import io.tributary.proto.v1.ErrorCode;

/**
 * What each wire {@link ErrorCode} means to a client: whether a write that failed with it
 * definitely did not happen, and whether retrying may succeed.
 */
public final class Errors {
    private Errors() {
    }

    /**
     * True when a write answered with {@code code} certainly had no effect. False ("indefinite")
     * when it may have been appended: a timeout, a storage error, an unexpected failure.
     */
    public static boolean isDefinite(ErrorCode code) {
        return switch (code) {
            case UNKNOWN_SERVER_ERROR, REQUEST_TIMED_OUT, STORAGE_ERROR, NOT_ENOUGH_REPLICAS_AFTER_APPEND,
                    DUPLICATE_SEQUENCE_NUMBER, UNRECOGNIZED -> false;
            default -> true;
        };
    }

    /** True when the same request may succeed later, possibly after a metadata refresh. */
    public static boolean isRetriable(ErrorCode code) {
        return switch (code) {
            case NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, REQUEST_TIMED_OUT, NOT_CONTROLLER, NOT_ENOUGH_REPLICAS,
                    NOT_ENOUGH_REPLICAS_AFTER_APPEND, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, BROKER_NOT_AVAILABLE,
                    STORAGE_ERROR, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS -> true;
            default -> false;
        };
    }

    /** True when the client should find the group's coordinator again before retrying. */
    public static boolean needsCoordinatorLookup(ErrorCode code) {
        return code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }

    /** True when the client should refresh metadata before retrying. */
    public static boolean needsMetadataRefresh(ErrorCode code) {
        return switch (code) {
            case NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, NOT_CONTROLLER, FENCED_LEADER_EPOCH,
                    UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION, BROKER_NOT_AVAILABLE -> true;
            default -> false;
        };
    }
}
