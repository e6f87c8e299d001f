package io.tributary.broker.kafka;

import io.tributary.broker.coordinator.GroupCoordinatorRuntime;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;

/**
 * Kafka's OffsetDelete ({@code kafka-consumer-groups --delete-offsets}): a group's committed offsets
 * of partitions its members do not read are removed; those of subscribed topics stay
 * (GROUP_SUBSCRIBED_TO_TOPIC).
 */
final class OffsetDeleteApi {
    private final GroupCoordinatorRuntime coordinator;

    OffsetDeleteApi(GroupCoordinatorRuntime coordinator) {
        this.coordinator = coordinator;
    }

    CompletableFuture<OffsetDeleteResponseData> handle(OffsetDeleteRequestData request) {
        List<TopicPartition> partitions = new ArrayList<>();
        request.topics().forEach(t -> t.partitions().forEach(p -> partitions.add(new TopicPartition(t.name(),
                p.partitionIndex()))));
        return coordinator.deleteOffsets(request.groupId(), partitions).thenApply(deletion -> {
            OffsetDeleteResponseData out = new OffsetDeleteResponseData().setErrorCode(KafkaErrors.code(deletion.error()));
            if (deletion.error() != ErrorCode.NONE) {
                return out;
            }
            for (TopicPartition tp : partitions) {
                OffsetDeleteResponseData.OffsetDeleteResponseTopic topic = out.topics().find(tp.topic());
                if (topic == null) {
                    topic = new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(tp.topic());
                    out.topics().add(topic);
                }
                topic.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                        .setPartitionIndex(tp.partition()).setErrorCode(KafkaErrors.code(deletion.partitions().get(tp))));
            }
            return out;
        });
    }
}
