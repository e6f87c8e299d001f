package io.tributary.broker.kafka;

import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.metadata.MetadataImage;
import io.tributary.proto.v1.CreatePartitionsRequest;
import io.tributary.proto.v1.CreatePartitionsResponse;
import io.tributary.proto.v1.CreateTopicsRequest;
import io.tributary.proto.v1.CreateTopicsResponse;
import io.tributary.proto.v1.DeleteTopicsRequest;
import io.tributary.proto.v1.DeleteTopicsResponse;
import io.tributary.proto.v1.NewTopic;
import io.tributary.proto.v1.PartitionCount;
import io.tributary.proto.v1.TopicResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka CreateTopics, DeleteTopics and CreatePartitions as the API's. Kafka's "-1" partitions means the broker's
 * {@code num.partitions}, and "-1" replication factor {@code default.replication.factor} (the
 * API's 0). Manual replica assignments are refused.
 */
final class TopicsApi {
    private final TributaryGrpcService api;
    private final Supplier<MetadataImage> image;
    private final int defaultPartitions;

    TopicsApi(TributaryGrpcService api, Supplier<MetadataImage> image, int defaultPartitions) {
        this.api = api;
        this.image = image;
        this.defaultPartitions = defaultPartitions;
    }

    CompletableFuture<CreateTopicsResponseData> create(CreateTopicsRequestData request) {
        CreateTopicsRequest.Builder out = CreateTopicsRequest.newBuilder().setTimeoutMs(request.timeoutMs())
                .setValidateOnly(request.validateOnly());
        CreateTopicsResponseData refused = new CreateTopicsResponseData();
        for (CreateTopicsRequestData.CreatableTopic topic : request.topics()) {
            if (!topic.assignments().isEmpty()) {
                refused.topics().add(new CreateTopicsResponseData.CreatableTopicResult().setName(topic.name())
                        .setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("manual replica assignments are not supported: give a partition count"));
                continue;
            }
            NewTopic.Builder t = NewTopic.newBuilder().setName(topic.name())
                    .setNumPartitions(topic.numPartitions() == -1 ? defaultPartitions : topic.numPartitions())
                    .setReplicationFactor(Math.max(0, topic.replicationFactor()));
            topic.configs().forEach(c -> t.putConfigs(c.name(), c.value() == null ? "" : c.value()));
            out.addTopics(t);
        }
        if (out.getTopicsCount() == 0) {
            return CompletableFuture.completedFuture(refused);
        }
        Answer<CreateTopicsResponse> answer = new Answer<>();
        api.createTopics(out.build(), answer);
        return answer.future().thenApply(ours -> {
            CreateTopicsResponseData response = new CreateTopicsResponseData();
            refused.topics().forEach(t -> response.topics().add(t.duplicate()));
            MetadataImage metadata = image.get();
            for (TopicResult result : ours.getTopicsList()) {
                CreateTopicsResponseData.CreatableTopicResult t = new CreateTopicsResponseData.CreatableTopicResult()
                        .setName(result.getName()).setErrorCode(KafkaErrors.code(result.getErrorCode()))
                        .setErrorMessage(result.getErrorMessage().isEmpty() ? null : result.getErrorMessage())
                        .setTopicId(result.getTopicId().isEmpty() ? Uuid.ZERO_UUID : Uuid.fromString(result.getTopicId()));
                metadata.topic(result.getName()).ifPresent(image -> t.setNumPartitions(image.numPartitions())
                        .setReplicationFactor((short) image.partitions().values().iterator().next().replicas().size()));
                response.topics().add(t);
            }
            return response;
        });
    }

    CompletableFuture<DeleteTopicsResponseData> delete(DeleteTopicsRequestData request) {
        MetadataImage metadata = image.get();
        List<String> names = new ArrayList<>(request.topicNames());
        DeleteTopicsResponseData unknown = new DeleteTopicsResponseData();
        for (DeleteTopicsRequestData.DeleteTopicState topic : request.topics()) {
            if (topic.name() != null) {
                names.add(topic.name());
            } else {
                TopicIds.nameOf(metadata, topic.topicId()).ifPresentOrElse(names::add, () -> unknown.responses().add(
                        new DeleteTopicsResponseData.DeletableTopicResult().setTopicId(topic.topicId()).setName(null)
                                .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())));
            }
        }
        Answer<DeleteTopicsResponse> answer = new Answer<>();
        api.deleteTopics(DeleteTopicsRequest.newBuilder().addAllNames(names).setTimeoutMs(request.timeoutMs()).build(), answer);
        return answer.future().thenApply(ours -> {
            DeleteTopicsResponseData response = new DeleteTopicsResponseData();
            unknown.responses().forEach(r -> response.responses().add(r.duplicate()));
            for (TopicResult result : ours.getTopicsList()) {
                response.responses().add(new DeleteTopicsResponseData.DeletableTopicResult().setName(result.getName())
                        .setTopicId(TopicIds.idOf(metadata, result.getName()))
                        .setErrorCode(KafkaErrors.code(result.getErrorCode()))
                        .setErrorMessage(result.getErrorMessage().isEmpty() ? null : result.getErrorMessage()));
            }
            return response;
        });
    }

    /** Kafka's CreatePartitions ({@code kafka-topics --alter --partitions}); manual assignments are refused. */
    CompletableFuture<CreatePartitionsResponseData> createPartitions(CreatePartitionsRequestData request) {
        CreatePartitionsRequest.Builder out = CreatePartitionsRequest.newBuilder().setTimeoutMs(request.timeoutMs())
                .setValidateOnly(request.validateOnly());
        CreatePartitionsResponseData refused = new CreatePartitionsResponseData();
        for (CreatePartitionsRequestData.CreatePartitionsTopic topic : request.topics()) {
            if (topic.assignments() != null) {
                refused.results().add(new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(topic.name())
                        .setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("manual replica assignments are not supported: give a partition count"));
                continue;
            }
            out.addTopics(PartitionCount.newBuilder().setName(topic.name()).setCount(topic.count()));
        }
        if (out.getTopicsCount() == 0) {
            return CompletableFuture.completedFuture(refused);
        }
        Answer<CreatePartitionsResponse> answer = new Answer<>();
        api.createPartitions(out.build(), answer);
        return answer.future().thenApply(ours -> {
            CreatePartitionsResponseData response = new CreatePartitionsResponseData();
            refused.results().forEach(r -> response.results().add(r.duplicate()));
            for (TopicResult r : ours.getTopicsList()) {
                response.results().add(new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(r.getName())
                        .setErrorCode(KafkaErrors.code(r.getErrorCode()))
                        .setErrorMessage(r.getErrorMessage().isEmpty() ? null : r.getErrorMessage()));
            }
            return response;
        });
    }
}
