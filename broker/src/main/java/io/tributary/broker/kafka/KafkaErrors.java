package io.tributary.broker.kafka;

import io.tributary.proto.v1.ErrorCode;
import org.apache.kafka.common.protocol.Errors;

/** Our error codes as Kafka's: the same meaning, and so the same retriable or fatal handling in Kafka clients. */
final class KafkaErrors {
    private KafkaErrors() {
    }

    static short code(ErrorCode code) {
        return of(code).code();
    }

    static Errors of(ErrorCode code) {
        return switch (code) {
            case NONE -> Errors.NONE;
            case UNKNOWN_SERVER_ERROR, UNRECOGNIZED -> Errors.UNKNOWN_SERVER_ERROR;
            case UNKNOWN_TOPIC_OR_PARTITION -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
            case INVALID_TOPIC_NAME -> Errors.INVALID_TOPIC_EXCEPTION;
            case INVALID_PARTITIONS -> Errors.INVALID_PARTITIONS;
            case INVALID_REPLICATION_FACTOR -> Errors.INVALID_REPLICATION_FACTOR;
            case INVALID_CONFIG -> Errors.INVALID_CONFIG;
            case TOPIC_ALREADY_EXISTS -> Errors.TOPIC_ALREADY_EXISTS;
            case CORRUPT_RECORD -> Errors.CORRUPT_MESSAGE;
            case MESSAGE_TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case OFFSET_OUT_OF_RANGE -> Errors.OFFSET_OUT_OF_RANGE;
            case INVALID_REQUEST -> Errors.INVALID_REQUEST;
            case NOT_LEADER_OR_FOLLOWER -> Errors.NOT_LEADER_OR_FOLLOWER;
            case REQUEST_TIMED_OUT -> Errors.REQUEST_TIMED_OUT;
            case NOT_CONTROLLER -> Errors.NOT_CONTROLLER;
            case STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
            case NOT_ENOUGH_REPLICAS -> Errors.NOT_ENOUGH_REPLICAS;
            case OUT_OF_ORDER_SEQUENCE -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case FENCED_LEADER_EPOCH -> Errors.FENCED_LEADER_EPOCH;
            case UNKNOWN_LEADER_EPOCH -> Errors.UNKNOWN_LEADER_EPOCH;
            case UNSUPPORTED_RECORD_FORMAT -> Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT;
            case INVALID_TIMESTAMP -> Errors.INVALID_TIMESTAMP;
            case LEADER_NOT_AVAILABLE -> Errors.LEADER_NOT_AVAILABLE;
            case NOT_ENOUGH_REPLICAS_AFTER_APPEND -> Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
            // a node starting or stopping: retriable, and the client refreshes its metadata (Kafka's
            // BROKER_NOT_AVAILABLE would fail a producer's send outright)
            case BROKER_NOT_AVAILABLE -> Errors.LEADER_NOT_AVAILABLE;
            case INVALID_UPDATE_VERSION -> Errors.INVALID_UPDATE_VERSION;
            case INELIGIBLE_REPLICA -> Errors.INELIGIBLE_REPLICA;
            case DUPLICATE_SEQUENCE_NUMBER -> Errors.DUPLICATE_SEQUENCE_NUMBER;
            case INVALID_RECORD -> Errors.INVALID_RECORD;
            case COORDINATOR_NOT_AVAILABLE -> Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_COORDINATOR -> Errors.NOT_COORDINATOR;
            case COORDINATOR_LOAD_IN_PROGRESS -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
            case GROUP_ID_NOT_FOUND -> Errors.GROUP_ID_NOT_FOUND;
            case UNKNOWN_MEMBER_ID -> Errors.UNKNOWN_MEMBER_ID;
            case FENCED_MEMBER_EPOCH -> Errors.FENCED_MEMBER_EPOCH;
            case STALE_MEMBER_EPOCH -> Errors.STALE_MEMBER_EPOCH;
            case UNRELEASED_INSTANCE_ID -> Errors.UNRELEASED_INSTANCE_ID;
            case FENCED_INSTANCE_ID -> Errors.FENCED_INSTANCE_ID;
            case NON_EMPTY_GROUP -> Errors.NON_EMPTY_GROUP;
            case INVALID_GROUP_ID -> Errors.INVALID_GROUP_ID;
            case UNSUPPORTED_ASSIGNOR -> Errors.UNSUPPORTED_ASSIGNOR;
            case GROUP_MAX_SIZE_REACHED -> Errors.GROUP_MAX_SIZE_REACHED;
            case OFFSET_METADATA_TOO_LARGE -> Errors.OFFSET_METADATA_TOO_LARGE;
            case ILLEGAL_GENERATION -> Errors.ILLEGAL_GENERATION;
            case REBALANCE_IN_PROGRESS -> Errors.REBALANCE_IN_PROGRESS;
            case MEMBER_ID_REQUIRED -> Errors.MEMBER_ID_REQUIRED;
            case INCONSISTENT_GROUP_PROTOCOL -> Errors.INCONSISTENT_GROUP_PROTOCOL;
            case INVALID_SESSION_TIMEOUT -> Errors.INVALID_SESSION_TIMEOUT;
            case GROUP_SUBSCRIBED_TO_TOPIC -> Errors.GROUP_SUBSCRIBED_TO_TOPIC;
        };
    }
}
