package io.tributary.broker.kafka;

import io.tributary.broker.log.LogSlice;
import io.tributary.broker.server.FetchReply;
import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.metadata.MetadataImage;
import io.tributary.proto.v1.FetchPartition;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.FetchRequest;
import io.tributary.proto.v1.FetchTopic;
import io.tributary.proto.v1.IsolationLevel;
import io.tributary.proto.v1.LeaderHint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Kafka Fetch (v4+) as the API's Fetch, long poll included. Every fetch is a full one: the answer
 * carries session id 0, which tells the client no fetch session was made (KIP-227), so it names
 * every partition each time. From v13 topics are named by id.
 */
final class FetchApi {
    private static final int TOPIC_IDS_VERSION = 13;
    private static final int LEADER_HINT_VERSION = 12;
    private static final int NODE_ENDPOINTS_VERSION = 16;
    private static final int COPY_CHUNK_BYTES = 64 * 1024;

    private final TributaryGrpcService api;
    private final Supplier<MetadataImage> image;

    FetchApi(TributaryGrpcService api, Supplier<MetadataImage> image) {
        this.api = api;
        this.image = image;
    }

    private record NamedTopic(FetchRequestData.FetchTopic kafka, String name) {
    }

    CompletableFuture<FetchResponseData> handle(FetchRequestData request, short version) {
        MetadataImage metadata = image.get();
        FetchRequest.Builder out = FetchRequest.newBuilder().setMaxWaitMs(Math.max(0, request.maxWaitMs()))
                .setMinBytes(Math.max(0, request.minBytes())).setMaxBytes(request.maxBytes())
                .setIsolationLevel(request.isolationLevel() == 1 ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED);
        List<NamedTopic> topics = new ArrayList<>();
        for (FetchRequestData.FetchTopic topic : request.topics()) {
            String name = version >= TOPIC_IDS_VERSION ? TopicIds.nameOf(metadata, topic.topicId()).orElse(null) : topic.topic();
            topics.add(new NamedTopic(topic, name));
            if (name == null) {
                continue;
            }
            FetchTopic.Builder data = FetchTopic.newBuilder().setTopic(name);
            for (FetchRequestData.FetchPartition p : topic.partitions()) {
                data.addPartitions(FetchPartition.newBuilder().setPartition(p.partition()).setFetchOffset(p.fetchOffset())
                        .setPartitionMaxBytes(p.partitionMaxBytes()).setCurrentLeaderEpoch(p.currentLeaderEpoch()));
            }
            out.addTopics(data);
        }
        if (out.getTopicsCount() == 0) {
            return CompletableFuture.completedFuture(translate(new FetchReply(List.of()), topics, version, request.isolationLevel()));
        }
        Answer<FetchReply> answer = new Answer<>();
        api.fetchReply(out.build(), answer);
        return answer.future().thenApply(reply -> translate(reply, topics, version, request.isolationLevel()));
    }

    private static FetchResponseData translate(FetchReply reply, List<NamedTopic> topics, short version, byte isolation) {
        Map<String, Map<Integer, FetchReply.Partition>> byTopic = new LinkedHashMap<>();
        for (FetchReply.Topic topic : reply.topics()) {
            Map<Integer, FetchReply.Partition> partitions = byTopic.computeIfAbsent(topic.topic(), t -> new LinkedHashMap<>());
            topic.partitions().forEach(p -> partitions.put(p.header().getPartition(), p));
        }
        FetchResponseData out = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(0);
        Map<Integer, LeaderHint> leaders = new LinkedHashMap<>();
        for (NamedTopic topic : topics) {
            FetchResponseData.FetchableTopicResponse kafkaTopic = new FetchResponseData.FetchableTopicResponse();
            if (version >= TOPIC_IDS_VERSION) {
                kafkaTopic.setTopicId(topic.kafka().topicId());
            } else {
                kafkaTopic.setTopic(topic.kafka().topic());
            }
            for (FetchRequestData.FetchPartition asked : topic.kafka().partitions()) {
                FetchReply.Partition ours = topic.name() == null ? null
                        : byTopic.getOrDefault(topic.name(), Map.of()).get(asked.partition());
                kafkaTopic.partitions().add(ours == null
                        ? failed(asked.partition(), topic.name() == null ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_SERVER_ERROR)
                        : partition(ours, version, isolation, leaders));
            }
            out.responses().add(kafkaTopic);
        }
        if (version >= NODE_ENDPOINTS_VERSION) {
            leaders.forEach((id, hint) -> out.nodeEndpoints().add(new FetchResponseData.NodeEndpoint()
                    .setNodeId(id).setHost(hint.getHost()).setPort(hint.getPort())));
        }
        return out;
    }

    private static FetchResponseData.PartitionData partition(FetchReply.Partition ours, short version, byte isolation,
                                                             Map<Integer, LeaderHint> leaders) {
        FetchPartitionResponse header = ours.header();
        FetchResponseData.PartitionData out = new FetchResponseData.PartitionData()
                .setPartitionIndex(header.getPartition()).setErrorCode(KafkaErrors.code(header.getErrorCode()))
                .setHighWatermark(header.getHighWatermark()).setLastStableOffset(header.getLastStableOffset())
                .setLogStartOffset(header.getLogStartOffset())
                .setAbortedTransactions(isolation == 1 ? new ArrayList<>() : null)
                .setRecords(records(ours.records()));
        LeaderHint hint = header.getCurrentLeader();
        if (version >= LEADER_HINT_VERSION && header.hasCurrentLeader() && hint.getLeaderId() >= 0 && !hint.getHost().isEmpty()) {
            out.setCurrentLeader(new FetchResponseData.LeaderIdAndEpoch().setLeaderId(hint.getLeaderId())
                    .setLeaderEpoch(hint.getLeaderEpoch()));
            leaders.put(hint.getLeaderId(), hint);
        }
        return out;
    }

    /**
     * The slice's bytes, copied once out of the segment file. A segment deleted since the read
     * (retention, compaction) gives no records and no error: the client fetches the same offset
     * again and learns where the log starts now.
     */
    private static MemoryRecords records(LogSlice slice) {
        if (slice.sizeInBytes() == 0) {
            return MemoryRecords.EMPTY;
        }
        ByteBuffer buffer = ByteBuffer.allocate(slice.sizeInBytes());
        try {
            slice.writeTo(new OutputStream() {
                @Override
                public void write(int b) {
                    buffer.put((byte) b);
                }

                @Override
                public void write(byte[] bytes, int offset, int length) {
                    buffer.put(bytes, offset, length);
                }
            }, new byte[Math.min(COPY_CHUNK_BYTES, slice.sizeInBytes())]);
        } catch (IOException e) {
            return MemoryRecords.EMPTY;
        }
        return MemoryRecords.readableRecords(buffer.flip());
    }

    private static FetchResponseData.PartitionData failed(int partition, Errors error) {
        return new FetchResponseData.PartitionData().setPartitionIndex(partition).setErrorCode(error.code())
                .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1).setRecords(MemoryRecords.EMPTY);
    }
}
