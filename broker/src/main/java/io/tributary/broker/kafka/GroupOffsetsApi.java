package io.tributary.broker.kafka;

import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.metadata.MetadataImage;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.OffsetCommitPartition;
import io.tributary.proto.v1.OffsetCommitPartitionResponse;
import io.tributary.proto.v1.OffsetCommitRequest;
import io.tributary.proto.v1.OffsetCommitResponse;
import io.tributary.proto.v1.OffsetCommitTopic;
import io.tributary.proto.v1.OffsetCommitTopicResponse;
import io.tributary.proto.v1.OffsetFetchPartitionResponse;
import io.tributary.proto.v1.OffsetFetchRequest;
import io.tributary.proto.v1.OffsetFetchResponse;
import io.tributary.proto.v1.OffsetFetchTopicResponse;
import io.tributary.proto.v1.TopicPartitions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka OffsetCommit (v2+) and OffsetFetch (v1+) on the group coordinator. A consumer-protocol
 * member commits at its member epoch; a client outside the group (assign) with generation -1 and
 * no member id, as in Kafka. OffsetFetch answers one group at the top level up to v7 and a list of
 * groups from v8; from v10 both name topics by id.
 */
final class GroupOffsetsApi {
    private static final int COMMIT_TOPIC_IDS_VERSION = 10;
    private static final int FETCH_BATCHED_VERSION = 8;
    private static final int FETCH_TOPIC_IDS_VERSION = 10;

    private final TributaryGrpcService api;
    private final Supplier<MetadataImage> image;

    GroupOffsetsApi(TributaryGrpcService api, Supplier<MetadataImage> image) {
        this.api = api;
        this.image = image;
    }

    CompletableFuture<OffsetCommitResponseData> commit(OffsetCommitRequestData request, short version) {
        MetadataImage metadata = image.get();
        boolean byId = version >= COMMIT_TOPIC_IDS_VERSION;
        OffsetCommitRequest.Builder out = OffsetCommitRequest.newBuilder().setGroupId(request.groupId())
                .setMemberId(request.memberId() == null ? "" : request.memberId())
                .setMemberEpoch(request.generationIdOrMemberEpoch());
        OffsetCommitResponseData unknown = new OffsetCommitResponseData();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
            String name = byId ? TopicIds.nameOf(metadata, topic.topicId()).orElse(null) : topic.name();
            if (name == null) {
                unknown.topics().add(commitTopic(topic, Errors.UNKNOWN_TOPIC_ID));
                continue;
            }
            OffsetCommitTopic.Builder t = OffsetCommitTopic.newBuilder().setTopic(name);
            topic.partitions().forEach(p -> t.addPartitions(OffsetCommitPartition.newBuilder().setPartition(p.partitionIndex())
                    .setCommittedOffset(p.committedOffset()).setCommittedLeaderEpoch(p.committedLeaderEpoch())
                    .setMetadata(p.committedMetadata() == null ? "" : p.committedMetadata())));
            out.addTopics(t);
        }
        if (out.getTopicsCount() == 0) {
            return CompletableFuture.completedFuture(unknown);
        }
        Answer<OffsetCommitResponse> answer = new Answer<>();
        api.offsetCommit(out.build(), answer);
        return answer.future().thenApply(ours -> {
            OffsetCommitResponseData response = new OffsetCommitResponseData();
            unknown.topics().forEach(t -> response.topics().add(t.duplicate()));
            if (ours.getErrorCode() != ErrorCode.NONE) {
                // a refusal of the whole commit is every partition's error in Kafka's answer
                Errors error = KafkaErrors.of(ours.getErrorCode());
                for (OffsetCommitTopic topic : out.getTopicsList()) {
                    OffsetCommitResponseData.OffsetCommitResponseTopic t = responseTopic(topic.getTopic(), byId, metadata);
                    topic.getPartitionsList().forEach(p -> t.partitions().add(
                            new OffsetCommitResponseData.OffsetCommitResponsePartition().setPartitionIndex(p.getPartition())
                                    .setErrorCode(error.code())));
                    response.topics().add(t);
                }
                return response;
            }
            for (OffsetCommitTopicResponse topic : ours.getTopicsList()) {
                OffsetCommitResponseData.OffsetCommitResponseTopic t = responseTopic(topic.getTopic(), byId, metadata);
                for (OffsetCommitPartitionResponse p : topic.getPartitionsList()) {
                    t.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                            .setPartitionIndex(p.getPartition()).setErrorCode(KafkaErrors.code(p.getErrorCode())));
                }
                response.topics().add(t);
            }
            return response;
        });
    }

    private static OffsetCommitResponseData.OffsetCommitResponseTopic responseTopic(String name, boolean byId,
                                                                                   MetadataImage metadata) {
        OffsetCommitResponseData.OffsetCommitResponseTopic t = new OffsetCommitResponseData.OffsetCommitResponseTopic();
        return byId ? t.setTopicId(TopicIds.idOf(metadata, name)) : t.setName(name);
    }

    private static OffsetCommitResponseData.OffsetCommitResponseTopic commitTopic(
            OffsetCommitRequestData.OffsetCommitRequestTopic topic, Errors error) {
        OffsetCommitResponseData.OffsetCommitResponseTopic t = new OffsetCommitResponseData.OffsetCommitResponseTopic()
                .setTopicId(topic.topicId()).setName(topic.name());
        topic.partitions().forEach(p -> t.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code())));
        return t;
    }

    /** One group's part of an OffsetFetch: its id and the topics asked (null: every committed one). */
    private record AskedGroup(String groupId, Map<String, List<Integer>> topics) {
    }

    CompletableFuture<OffsetFetchResponseData> fetch(OffsetFetchRequestData request, short version) {
        MetadataImage metadata = image.get();
        List<AskedGroup> asked = new ArrayList<>();
        if (version < FETCH_BATCHED_VERSION) {
            Map<String, List<Integer>> topics = null;
            if (request.topics() != null) {
                topics = new LinkedHashMap<>();
                for (OffsetFetchRequestData.OffsetFetchRequestTopic t : request.topics()) {
                    topics.put(t.name(), t.partitionIndexes());
                }
            }
            asked.add(new AskedGroup(request.groupId(), topics));
        } else {
            for (OffsetFetchRequestData.OffsetFetchRequestGroup group : request.groups()) {
                Map<String, List<Integer>> topics = null;
                if (group.topics() != null) {
                    topics = new LinkedHashMap<>();
                    for (OffsetFetchRequestData.OffsetFetchRequestTopics t : group.topics()) {
                        String name = version >= FETCH_TOPIC_IDS_VERSION ? TopicIds.nameOf(metadata, t.topicId()).orElse(null)
                                : t.name();
                        if (name != null) {
                            topics.put(name, t.partitionIndexes());
                        }
                    }
                }
                asked.add(new AskedGroup(group.groupId(), topics));
            }
        }
        List<CompletableFuture<OffsetFetchResponse>> answers = new ArrayList<>();
        for (AskedGroup group : asked) {
            OffsetFetchRequest.Builder out = OffsetFetchRequest.newBuilder().setGroupId(group.groupId());
            if (group.topics() != null) {
                group.topics().forEach((topic, partitions) -> out.addTopics(TopicPartitions.newBuilder().setTopic(topic)
                        .addAllPartitions(partitions)));
            }
            Answer<OffsetFetchResponse> answer = new Answer<>();
            api.offsetFetch(out.build(), answer);
            answers.add(answer.future());
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
            OffsetFetchResponseData response = new OffsetFetchResponseData();
            for (int i = 0; i < asked.size(); i++) {
                OffsetFetchResponse ours = answers.get(i).join();
                if (version < FETCH_BATCHED_VERSION) {
                    response.setErrorCode(groupError(ours));
                    for (OffsetFetchTopicResponse topic : ours.getTopicsList()) {
                        OffsetFetchResponseData.OffsetFetchResponseTopic t =
                                new OffsetFetchResponseData.OffsetFetchResponseTopic().setName(topic.getTopic());
                        topic.getPartitionsList().forEach(p -> t.partitions().add(
                                new OffsetFetchResponseData.OffsetFetchResponsePartition().setPartitionIndex(p.getPartition())
                                        .setCommittedOffset(p.getCommittedOffset()).setCommittedLeaderEpoch(p.getCommittedLeaderEpoch())
                                        .setMetadata(p.getMetadata()).setErrorCode(KafkaErrors.code(p.getErrorCode()))));
                        response.topics().add(t);
                    }
                } else {
                    OffsetFetchResponseData.OffsetFetchResponseGroup g = new OffsetFetchResponseData.OffsetFetchResponseGroup()
                            .setGroupId(asked.get(i).groupId()).setErrorCode(groupError(ours));
                    for (OffsetFetchTopicResponse topic : ours.getTopicsList()) {
                        OffsetFetchResponseData.OffsetFetchResponseTopics t = new OffsetFetchResponseData.OffsetFetchResponseTopics();
                        if (version >= FETCH_TOPIC_IDS_VERSION) {
                            t.setTopicId(TopicIds.idOf(metadata, topic.getTopic()));
                        } else {
                            t.setName(topic.getTopic());
                        }
                        for (OffsetFetchPartitionResponse p : topic.getPartitionsList()) {
                            t.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                                    .setPartitionIndex(p.getPartition()).setCommittedOffset(p.getCommittedOffset())
                                    .setCommittedLeaderEpoch(p.getCommittedLeaderEpoch()).setMetadata(p.getMetadata())
                                    .setErrorCode(KafkaErrors.code(p.getErrorCode())));
                        }
                        g.topics().add(t);
                    }
                    response.groups().add(g);
                }
            }
            return response;
        });
    }

    /** A group nobody committed for answers with no offsets and no error in Kafka, not GROUP_ID_NOT_FOUND. */
    private static short groupError(OffsetFetchResponse ours) {
        return ours.getErrorCode() == ErrorCode.GROUP_ID_NOT_FOUND ? Errors.NONE.code() : KafkaErrors.code(ours.getErrorCode());
    }
}
