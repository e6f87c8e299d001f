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
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Kafka Fetch (v4+) as the API's Fetch, long poll included, with incremental fetch sessions from
 * v7 ({@link FetchSessions}): a session's fetch reads every partition the session holds and
 * answers only those with news. From v13 topics are named by id.
 */
final class FetchApi {
    private static final int SESSIONS_VERSION = 7;
    private static final int TOPIC_IDS_VERSION = 13;
    private static final int LEADER_HINT_VERSION = 12;
    private static final int NODE_ENDPOINTS_VERSION = 16;
    private static final int COPY_CHUNK_BYTES = 64 * 1024;

    private final TributaryGrpcService api;
    private final Supplier<MetadataImage> image;
    private final FetchSessions sessions;

    FetchApi(TributaryGrpcService api, Supplier<MetadataImage> image, FetchSessions sessions) {
        this.api = api;
        this.image = image;
        this.sessions = sessions;
    }

    CompletableFuture<FetchResponseData> handle(FetchRequestData request, short version) {
        MetadataImage metadata = image.get();
        boolean byId = version >= TOPIC_IDS_VERSION;
        List<FetchSessions.Wanted> named = new ArrayList<>();
        for (FetchRequestData.FetchTopic topic : request.topics()) {
            String name = byId ? TopicIds.nameOf(metadata, topic.topicId()).orElse(null) : topic.topic();
            Uuid id = byId ? topic.topicId() : TopicIds.idOf(metadata, topic.topic());
            for (FetchRequestData.FetchPartition p : topic.partitions()) {
                named.add(new FetchSessions.Wanted(name, id, p.partition(), p.fetchOffset(), p.partitionMaxBytes(),
                        p.currentLeaderEpoch()));
            }
        }
        List<FetchSessions.Key> forgotten = new ArrayList<>();
        if (request.forgottenTopicsData() != null) {
            for (FetchRequestData.ForgottenTopic topic : request.forgottenTopicsData()) {
                String name = byId ? TopicIds.nameOf(metadata, topic.topicId()).orElse(null) : topic.topic();
                if (name != null) {
                    topic.partitions().forEach(p -> forgotten.add(new FetchSessions.Key(name, p)));
                }
            }
        }
        FetchSessions.Context context = version >= SESSIONS_VERSION
                ? sessions.open(request.sessionId(), request.sessionEpoch(), named, forgotten)
                : new FetchSessions.Context(Errors.NONE, FetchSessions.NO_SESSION, false, named);
        if (context.error() != Errors.NONE) {
            return CompletableFuture.completedFuture(new FetchResponseData().setErrorCode(context.error().code())
                    .setSessionId(FetchSessions.NO_SESSION));
        }
        FetchRequest.Builder out = FetchRequest.newBuilder().setMaxWaitMs(Math.max(0, request.maxWaitMs()))
                .setMinBytes(Math.max(0, request.minBytes())).setMaxBytes(request.maxBytes())
                .setIsolationLevel(request.isolationLevel() == 1 ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED);
        Map<String, FetchTopic.Builder> topics = new LinkedHashMap<>();
        for (FetchSessions.Wanted w : context.partitions()) {
            if (w.topic() != null) {
                topics.computeIfAbsent(w.topic(), t -> FetchTopic.newBuilder().setTopic(t)).addPartitions(
                        FetchPartition.newBuilder().setPartition(w.partition()).setFetchOffset(w.fetchOffset())
                                .setPartitionMaxBytes(w.maxBytes()).setCurrentLeaderEpoch(w.currentLeaderEpoch()));
            }
        }
        topics.values().forEach(out::addTopics);
        if (out.getTopicsCount() == 0) {
            return CompletableFuture.completedFuture(translate(new FetchReply(List.of()), context, version, request.isolationLevel()));
        }
        Answer<FetchReply> answer = new Answer<>();
        api.fetchReply(out.build(), answer);
        return answer.future().thenApply(reply -> translate(reply, context, version, request.isolationLevel()));
    }

    private FetchResponseData translate(FetchReply reply, FetchSessions.Context context, short version, byte isolation) {
        Map<FetchSessions.Key, FetchReply.Partition> ours = new LinkedHashMap<>();
        for (FetchReply.Topic topic : reply.topics()) {
            topic.partitions().forEach(p -> ours.put(new FetchSessions.Key(topic.topic(), p.header().getPartition()), p));
        }
        Map<Integer, LeaderHint> leaders = new LinkedHashMap<>();
        Map<FetchSessions.Key, FetchResponseData.PartitionData> data = new LinkedHashMap<>();
        Map<FetchSessions.Key, FetchSessions.Answered> answered = new LinkedHashMap<>();
        for (FetchSessions.Wanted w : context.partitions()) {
            FetchReply.Partition p = w.topic() == null ? null : ours.get(w.key());
            FetchResponseData.PartitionData d = p == null
                    ? failed(w.partition(), w.topic() == null ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_SERVER_ERROR)
                    : partition(p, version, isolation, leaders);
            data.put(w.key(), d);
            answered.put(w.key(), new FetchSessions.Answered(d.highWatermark(), d.logStartOffset(), d.lastStableOffset(),
                    d.errorCode() != Errors.NONE.code() || d.records().sizeInBytes() > 0));
        }
        List<FetchSessions.Key> include = version >= SESSIONS_VERSION ? sessions.answer(context, answered)
                : List.copyOf(data.keySet());
        FetchResponseData out = new FetchResponseData().setErrorCode(Errors.NONE.code()).setSessionId(context.sessionId());
        Map<String, FetchResponseData.FetchableTopicResponse> byTopic = new LinkedHashMap<>();
        Map<FetchSessions.Key, FetchSessions.Wanted> wanted = new LinkedHashMap<>();
        context.partitions().forEach(w -> wanted.put(w.key(), w));
        for (FetchSessions.Key key : include) {
            FetchSessions.Wanted w = wanted.get(key);
            FetchResponseData.FetchableTopicResponse topic = byTopic.computeIfAbsent(String.valueOf(w.topic()) + "/" + w.topicId(),
                    t -> version >= TOPIC_IDS_VERSION ? new FetchResponseData.FetchableTopicResponse().setTopicId(w.topicId())
                            : new FetchResponseData.FetchableTopicResponse().setTopic(w.topic()));
            topic.partitions().add(data.get(key));
        }
        out.responses().addAll(byTopic.values());
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
