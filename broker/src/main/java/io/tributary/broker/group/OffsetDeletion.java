package io.tributary.broker.group;

import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import java.util.Map;

/**
 * What an OffsetDelete did: a refusal of the whole request ({@code error}), or each partition's
 * outcome (GROUP_SUBSCRIBED_TO_TOPIC where members still read the topic, else NONE).
 */
public record OffsetDeletion(ErrorCode error, String errorMessage, Map<TopicPartition, ErrorCode> partitions) {
    public OffsetDeletion {
        partitions = Map.copyOf(partitions);
    }

    static OffsetDeletion refused(ErrorCode error, String message) {
        return new OffsetDeletion(error, message, Map.of());
    }
}
