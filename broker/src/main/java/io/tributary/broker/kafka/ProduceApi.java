package io.tributary.broker.kafka;

import com.google.protobuf.UnsafeByteOperations;
import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.metadata.MetadataImage;
import io.tributary.proto.v1.LeaderHint;
import io.tributary.proto.v1.PartitionProduceData;
import io.tributary.proto.v1.PartitionProduceResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.ProduceResponse;
import io.tributary.proto.v1.TopicProduceData;
import io.tributary.proto.v1.TopicProduceResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Kafka Produce (v3+) as the API's Produce: the record batches are Kafka's RecordBatch v2 already
 * and pass through as the same bytes. From v13 topics are named by id.
 */
final class ProduceApi {
    private static final int TOPIC_IDS_VERSION = 13;
    private static final int LEADER_HINT_VERSION = 10;

    private final TributaryGrpcService api;
    private final Supplier<MetadataImage> image;

    ProduceApi(TributaryGrpcService api, Supplier<MetadataImage> image) {
        this.api = api;
        this.image = image;
    }

    /** The Kafka topic a produce names, as the API's topic name (absent: an unknown topic id). */
    private record NamedTopic(ProduceRequestData.TopicProduceData kafka, String name) {
    }

    CompletableFuture<ProduceResponseData> handle(ProduceRequestData request, short version) {
        MetadataImage metadata = image.get();
        ProduceRequest.Builder out = ProduceRequest.newBuilder().setAcks(request.acks()).setTimeoutMs(request.timeoutMs())
                .setTransactionalId(request.transactionalId() == null ? "" : request.transactionalId());
        List<NamedTopic> topics = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData topic : request.topicData()) {
            String name = version >= TOPIC_IDS_VERSION ? TopicIds.nameOf(metadata, topic.topicId()).orElse(null) : topic.name();
            topics.add(new NamedTopic(topic, name));
            if (name == null) {
                continue;
            }
            TopicProduceData.Builder data = TopicProduceData.newBuilder().setTopic(name);
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                MemoryRecords records = (MemoryRecords) partition.records();
                data.addPartitions(PartitionProduceData.newBuilder().setPartition(partition.index())
                        .setRecords(records == null ? com.google.protobuf.ByteString.EMPTY
                                : UnsafeByteOperations.unsafeWrap(records.buffer())));
            }
            out.addTopics(data);
        }
        Answer<ProduceResponse> answer = new Answer<>();
        api.produce(out.build(), answer);
        return answer.future().thenApply(response -> translate(response, topics, version, metadata));
    }

    private static ProduceResponseData translate(ProduceResponse response, List<NamedTopic> topics, short version,
                                                 MetadataImage metadata) {
        Map<String, Map<Integer, PartitionProduceResponse>> byTopic = new LinkedHashMap<>();
        for (TopicProduceResponse topic : response.getTopicsList()) {
            Map<Integer, PartitionProduceResponse> partitions = byTopic.computeIfAbsent(topic.getTopic(), t -> new LinkedHashMap<>());
            topic.getPartitionsList().forEach(p -> partitions.put(p.getPartition(), p));
        }
        ProduceResponseData out = new ProduceResponseData();
        Map<Integer, LeaderHint> leaders = new LinkedHashMap<>();
        for (NamedTopic topic : topics) {
            ProduceResponseData.TopicProduceResponse kafkaTopic = new ProduceResponseData.TopicProduceResponse();
            if (version >= TOPIC_IDS_VERSION) {
                kafkaTopic.setTopicId(topic.kafka().topicId());
            } else {
                kafkaTopic.setName(topic.kafka().name());
            }
            for (ProduceRequestData.PartitionProduceData partition : topic.kafka().partitionData()) {
                PartitionProduceResponse ours = topic.name() == null ? null
                        : byTopic.getOrDefault(topic.name(), Map.of()).get(partition.index());
                kafkaTopic.partitionResponses().add(ours == null
                        ? failed(partition.index(), topic.name() == null ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_SERVER_ERROR)
                        : partition(ours, version, leaders));
            }
            out.responses().add(kafkaTopic);
        }
        if (version >= LEADER_HINT_VERSION) {
            leaders.forEach((id, hint) -> out.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint()
                    .setNodeId(id).setHost(hint.getHost()).setPort(hint.getPort())));
        }
        return out;
    }

    private static ProduceResponseData.PartitionProduceResponse partition(PartitionProduceResponse ours, short version,
                                                                          Map<Integer, LeaderHint> leaders) {
        ProduceResponseData.PartitionProduceResponse out = new ProduceResponseData.PartitionProduceResponse()
                .setIndex(ours.getPartition()).setErrorCode(KafkaErrors.code(ours.getErrorCode()))
                .setErrorMessage(ours.getErrorMessage().isEmpty() ? null : ours.getErrorMessage())
                .setBaseOffset(ours.getBaseOffset()).setLogAppendTimeMs(ours.getLogAppendTimeMs())
                .setLogStartOffset(ours.getLogStartOffset());
        LeaderHint hint = ours.getCurrentLeader();
        if (version >= LEADER_HINT_VERSION && ours.hasCurrentLeader() && hint.getLeaderId() >= 0 && !hint.getHost().isEmpty()) {
            // KIP-951: the new leader in the answer saves the client a metadata round trip
            out.setCurrentLeader(new ProduceResponseData.LeaderIdAndEpoch().setLeaderId(hint.getLeaderId())
                    .setLeaderEpoch(hint.getLeaderEpoch()));
            leaders.put(hint.getLeaderId(), hint);
        }
        return out;
    }

    private static ProduceResponseData.PartitionProduceResponse failed(int partition, Errors error) {
        return new ProduceResponseData.PartitionProduceResponse().setIndex(partition).setErrorCode(error.code())
                .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
    }
}
