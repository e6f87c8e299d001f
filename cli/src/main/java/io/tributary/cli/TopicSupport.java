package io.tributary.cli;

import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.client.TopicResult;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.PartitionDescription;
import io.tributary.proto.v1.TopicDescription;
import java.util.List;
import java.util.Map;

/** Topic look-ups the commands share. */
final class TopicSupport {
    private TopicSupport() {
    }

    /** Creates the topic (replication factor: the broker default) unless it exists already. */
    static void ensureTopic(List<String> servers, String topic, int partitions, Map<String, String> configs) {
        ensureTopic(servers, topic, partitions, 0, configs);
    }

    /** Creates the topic unless it exists already; {@code replicationFactor} 0 means the broker default. */
    static void ensureTopic(List<String> servers, String topic, int partitions, int replicationFactor,
                            Map<String, String> configs) {
        try (Admin admin = Admin.create(servers)) {
            TopicResult result = admin.createTopics(List.of(new NewTopic(topic, partitions, replicationFactor, configs)))
                    .get(0);
            if (!result.isSuccess() && result.errorCode() != ErrorCode.TOPIC_ALREADY_EXISTS) {
                throw result.exception();
            }
        }
    }

    static TopicDescription describe(Admin admin, String topic) {
        TopicDescription description = admin.describeTopics(List.of(topic)).get(0);
        if (description.getErrorCode() != ErrorCode.NONE) {
            throw io.tributary.client.TributaryException.forCode(description.getErrorCode(), description.getErrorMessage());
        }
        return description;
    }

    static List<TopicPartition> partitions(List<String> servers, String topic) {
        try (Admin admin = Admin.create(servers)) {
            return describe(admin, topic).getPartitionsList().stream()
                    .map(PartitionDescription::getPartition).map(p -> new TopicPartition(topic, p)).toList();
        }
    }

    /** The topic's partitions, or only {@code partition} when given (a usage error if the topic has no such one). */
    static List<TopicPartition> partitions(List<String> servers, String topic, Integer partition) {
        List<TopicPartition> all = partitions(servers, topic);
        if (partition == null) {
            return all;
        }
        TopicPartition only = new TopicPartition(topic, partition);
        if (!all.contains(only)) {
            throw new IllegalArgumentException("topic " + topic + " has no partition " + partition
                    + " (it has " + all.size() + ")");
        }
        return List.of(only);
    }
}
