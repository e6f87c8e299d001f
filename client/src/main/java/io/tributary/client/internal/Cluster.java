package io.tributary.client.internal;

import io.tributary.proto.v1.BrokerInfo;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.MetadataResponse;
import io.tributary.proto.v1.PartitionMetadata;
import io.tributary.proto.v1.TopicMetadata;
import java.util.HashMap;
import java.util.Map;

/** An immutable snapshot of cluster metadata: brokers, topics, partition leaders. */
public final class Cluster {
    public static final Cluster EMPTY = new Cluster(Map.of(), Map.of(), -1, -1L, 0L);

    /** One topic; {@code partitions[i]} is partition i (null when the response skipped it). */
    public record Topic(String name, ErrorCode error, String errorMessage, PartitionMetadata[] partitions) {
        public int partitionCount() {
            return partitions.length;
        }

        public boolean usable() {
            return error == ErrorCode.NONE && partitions.length > 0;
        }
    }

    private final Map<Integer, BrokerAddress> brokers;
    private final Map<String, Topic> topics;
    private final int controllerId;
    private final long metadataVersion;
    private final long updatedAtMs;

    private Cluster(Map<Integer, BrokerAddress> brokers, Map<String, Topic> topics, int controllerId,
                    long metadataVersion, long updatedAtMs) {
        this.brokers = brokers;
        this.topics = topics;
        this.controllerId = controllerId;
        this.metadataVersion = metadataVersion;
        this.updatedAtMs = updatedAtMs;
    }

    public static Cluster from(MetadataResponse response, long nowMs) {
        Map<Integer, BrokerAddress> brokers = new HashMap<>();
        for (BrokerInfo broker : response.getBrokersList()) {
            brokers.put(broker.getNodeId(), new BrokerAddress(broker.getHost(), broker.getPort()));
        }
        Map<String, Topic> topics = new HashMap<>();
        for (TopicMetadata topic : response.getTopicsList()) {
            int count = 0;
            for (PartitionMetadata p : topic.getPartitionsList()) {
                count = Math.max(count, p.getPartition() + 1);
            }
            PartitionMetadata[] partitions = new PartitionMetadata[count];
            for (PartitionMetadata p : topic.getPartitionsList()) {
                if (p.getPartition() >= 0) {
                    partitions[p.getPartition()] = p;
                }
            }
            topics.put(topic.getName(), new Topic(topic.getName(), topic.getErrorCode(), topic.getErrorMessage(),
                    partitions));
        }
        return new Cluster(Map.copyOf(brokers), Map.copyOf(topics), response.getControllerId(),
                response.getMetadataVersion(), nowMs);
    }

    /** The version of the metadata image it came from (the metadata log index it reflects); -1 for none. */
    public long metadataVersion() {
        return metadataVersion;
    }

    public Map<Integer, BrokerAddress> brokers() {
        return brokers;
    }

    public Topic topic(String name) {
        return topics.get(name);
    }

    public Map<String, Topic> topics() {
        return topics;
    }

    public int controllerId() {
        return controllerId;
    }

    public long updatedAtMs() {
        return updatedAtMs;
    }

    /** The partition's leader epoch as this metadata knows it, or -1 when unknown. */
    public int leaderEpochFor(String topicName, int partition) {
        Topic topic = topics.get(topicName);
        if (topic == null || partition >= topic.partitions.length || topic.partitions[partition] == null) {
            return -1;
        }
        return topic.partitions[partition].getLeaderEpoch();
    }

    /** The leader's address, or null when the partition, its leader or the leader's broker is unknown. */
    public BrokerAddress leaderFor(String topicName, int partition) {
        Topic topic = topics.get(topicName);
        if (topic == null || partition >= topic.partitions.length) {
            return null;
        }
        PartitionMetadata p = topic.partitions[partition];
        if (p == null || p.getLeaderId() < 0) {
            return null;
        }
        return brokers.get(p.getLeaderId());
    }
}
