package io.tributary.client;

import io.tributary.proto.TopicPartition;
import java.util.Map;

/** Told, on the polling thread, how an asynchronous commit ended. */
@FunctionalInterface
public interface OffsetCommitCallback {
    /** @param failure null when the offsets were committed */
    void onComplete(Map<TopicPartition, OffsetAndMetadata> offsets, Exception failure);
}
