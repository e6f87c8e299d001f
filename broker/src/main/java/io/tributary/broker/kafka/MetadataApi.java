package io.tributary.broker.kafka;

import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.metadata.MetadataImage;
import io.tributary.proto.v1.BrokerInfo;
import io.tributary.proto.v1.CreateTopicsRequest;
import io.tributary.proto.v1.CreateTopicsResponse;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.NewTopic;
import io.tributary.proto.v1.TopicResult;
import io.tributary.proto.v1.MetadataRequest;
import io.tributary.proto.v1.MetadataResponse;
import io.tributary.proto.v1.PartitionMetadata;
import io.tributary.proto.v1.TopicMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka Metadata as the API's Metadata on the Kafka listener: the brokers come with their Kafka
 * endpoints. Topics are asked by name or (v10+) by id; a null list asks for every topic, an empty
 * one for none. Any broker answers admin requests, so a broker names itself as the controller.
 * With {@code auto.create.topics.enable}, a topic a client asks for by name and may create (a
 * producer's first send) is created with {@code num.partitions} and answered LEADER_NOT_AVAILABLE
 * until it has leaders, as Kafka does.
 */
final class MetadataApi {
    private final TributaryGrpcService api;
    private final Supplier<MetadataImage> image;
    private final int nodeId;
    private final boolean autoCreate;
    private final int autoCreatePartitions;

    MetadataApi(TributaryGrpcService api, Supplier<MetadataImage> image, int nodeId, boolean autoCreate,
                int autoCreatePartitions) {
        this.api = api;
        this.image = image;
        this.nodeId = nodeId;
        this.autoCreate = autoCreate;
        this.autoCreatePartitions = autoCreatePartitions;
    }

    CompletableFuture<MetadataResponseData> handle(MetadataRequestData request, short version) {
        MetadataImage metadata = image.get();
        List<String> names = new ArrayList<>();
        List<Uuid> unknownIds = new ArrayList<>();
        if (request.topics() != null) {
            for (MetadataRequestData.MetadataRequestTopic topic : request.topics()) {
                if (topic.name() != null) {
                    names.add(topic.name());
                } else {
                    TopicIds.nameOf(metadata, topic.topicId()).ifPresentOrElse(names::add, () -> unknownIds.add(topic.topicId()));
                }
            }
        }
        boolean none = request.topics() != null && names.isEmpty();
        Answer<MetadataResponse> answer = new Answer<>();
        api.metadata(MetadataRequest.newBuilder().addAllTopics(names).build(), answer);
        boolean mayCreate = autoCreate && request.allowAutoTopicCreation() && request.topics() != null;
        return answer.future().thenCompose(ours -> mayCreate ? createMissing(ours) : CompletableFuture.completedFuture(ours))
                .thenApply(ours -> translate(ours, none, unknownIds, metadata));
    }

    /** Creates the unknown topics of the answer and marks them LEADER_NOT_AVAILABLE (the client asks again). */
    private CompletableFuture<MetadataResponse> createMissing(MetadataResponse ours) {
        List<NewTopic> missing = new ArrayList<>();
        for (TopicMetadata topic : ours.getTopicsList()) {
            if (topic.getErrorCode() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && !topic.getName().startsWith("__")) {
                missing.add(NewTopic.newBuilder().setName(topic.getName()).setNumPartitions(autoCreatePartitions).build());
            }
        }
        if (missing.isEmpty()) {
            return CompletableFuture.completedFuture(ours);
        }
        Answer<CreateTopicsResponse> created = new Answer<>();
        api.createTopics(CreateTopicsRequest.newBuilder().addAllTopics(missing).build(), created);
        return created.future().thenApply(result -> {
            Map<String, TopicResult> outcome = new HashMap<>();
            result.getTopicsList().forEach(r -> outcome.put(r.getName(), r));
            MetadataResponse.Builder out = ours.toBuilder().clearTopics();
            for (TopicMetadata topic : ours.getTopicsList()) {
                TopicResult r = outcome.get(topic.getName());
                if (r == null) {
                    out.addTopics(topic);
                } else if (r.getErrorCode() == ErrorCode.NONE || r.getErrorCode() == ErrorCode.TOPIC_ALREADY_EXISTS) {
                    out.addTopics(topic.toBuilder().setErrorCode(ErrorCode.LEADER_NOT_AVAILABLE)
                            .setErrorMessage("topic " + topic.getName() + " was just created"));
                } else {
                    out.addTopics(topic.toBuilder().setErrorCode(r.getErrorCode()).setErrorMessage(r.getErrorMessage()));
                }
            }
            return out.build();
        });
    }

    private MetadataResponseData translate(MetadataResponse ours, boolean none, List<Uuid> unknownIds, MetadataImage metadata) {
        MetadataResponseData out = new MetadataResponseData().setClusterId(ours.getClusterId()).setControllerId(nodeId);
        for (BrokerInfo broker : ours.getBrokersList()) {
            out.brokers().add(new MetadataResponseData.MetadataResponseBroker().setNodeId(broker.getNodeId())
                    .setHost(broker.getHost()).setPort(broker.getPort())
                    .setRack(broker.getRack().isEmpty() ? null : broker.getRack()));
        }
        if (!none) {
            for (TopicMetadata topic : ours.getTopicsList()) {
                out.topics().add(topic(topic, metadata));
            }
        }
        for (Uuid id : unknownIds) {
            out.topics().add(new MetadataResponseData.MetadataResponseTopic().setTopicId(id).setName(null)
                    .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
        }
        return out;
    }

    private static MetadataResponseData.MetadataResponseTopic topic(TopicMetadata topic, MetadataImage metadata) {
        MetadataResponseData.MetadataResponseTopic out = new MetadataResponseData.MetadataResponseTopic()
                .setName(topic.getName()).setErrorCode(KafkaErrors.code(topic.getErrorCode()))
                .setTopicId(topic.getTopicId().isEmpty() ? Uuid.ZERO_UUID : Uuid.fromString(topic.getTopicId()))
                .setIsInternal(topic.getName().startsWith("__"));
        for (PartitionMetadata p : topic.getPartitionsList()) {
            List<Integer> offline = new ArrayList<>();
            for (int replica : p.getReplicasList()) {
                if (!metadata.isEligibleLeader(replica)) {
                    offline.add(replica);
                }
            }
            out.partitions().add(new MetadataResponseData.MetadataResponsePartition().setPartitionIndex(p.getPartition())
                    .setErrorCode(KafkaErrors.code(p.getErrorCode())).setLeaderId(p.getLeaderId())
                    .setLeaderEpoch(p.getLeaderEpoch()).setReplicaNodes(new ArrayList<>(p.getReplicasList()))
                    .setIsrNodes(new ArrayList<>(p.getIsrList())).setOfflineReplicas(offline));
        }
        return out;
    }
}
