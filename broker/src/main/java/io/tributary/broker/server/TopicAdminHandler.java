package io.tributary.broker.server;

import io.grpc.stub.StreamObserver;
import io.tributary.broker.coordinator.OffsetsTopic;
import io.tributary.proto.metadata.v1.CreatePartitionsCommand;
import io.tributary.proto.metadata.v1.CreateTopicCommand;
import io.tributary.proto.metadata.v1.DeleteTopicCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
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
import java.util.concurrent.TimeUnit;

/**
 * CreateTopics and DeleteTopics: each topic becomes one command to the metadata quorum, which
 * validates it and either appends its records or rejects it with a precise code.
 */
final class TopicAdminHandler {
    private final BrokerContext context;

    TopicAdminHandler(BrokerContext context) {
        this.context = context;
    }

    void handleCreateTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> responseObserver) {
        int timeoutMs = BrokerContext.timeoutOrDefault(request.getTimeoutMs());
        List<CompletableFuture<TopicResult>> results = new ArrayList<>();
        for (NewTopic topic : request.getTopicsList()) {
            if (topic.getName().equals(OffsetsTopic.NAME)) {
                results.add(CompletableFuture.completedFuture(internalTopic(topic.getName(), "created by the group "
                        + "coordinator on first use")));
                continue;
            }
            CreateTopicCommand command = CreateTopicCommand.newBuilder().setName(topic.getName())
                    .setNumPartitions(topic.getNumPartitions())
                    .setReplicationFactor(topic.getReplicationFactor() == 0
                            ? context.defaultReplicationFactor() : topic.getReplicationFactor())
                    .putAllConfigs(topic.getConfigsMap()).setValidateOnly(request.getValidateOnly()).build();
            results.add(submit(topic.getName(), MetadataCommand.newBuilder().setCreateTopic(command).build(), timeoutMs));
        }
        whenAll(results, topicResults -> {
            responseObserver.onNext(CreateTopicsResponse.newBuilder().addAllTopics(topicResults).build());
            responseObserver.onCompleted();
        });
    }

    void handleDeleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> responseObserver) {
        int timeoutMs = BrokerContext.timeoutOrDefault(request.getTimeoutMs());
        List<CompletableFuture<TopicResult>> results = new ArrayList<>();
        for (String name : request.getNamesList()) {
            if (name.equals(OffsetsTopic.NAME)) {
                results.add(CompletableFuture.completedFuture(internalTopic(name, "it holds every consumer group")));
                continue;
            }
            MetadataCommand command = MetadataCommand.newBuilder()
                    .setDeleteTopic(DeleteTopicCommand.newBuilder().setName(name)).build();
            results.add(submit(name, command, timeoutMs));
        }
        whenAll(results, topicResults -> {
            responseObserver.onNext(DeleteTopicsResponse.newBuilder().addAllTopics(topicResults).build());
            responseObserver.onCompleted();
        });
    }

    void handleCreatePartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> responseObserver) {
        int timeoutMs = BrokerContext.timeoutOrDefault(request.getTimeoutMs());
        List<CompletableFuture<TopicResult>> results = new ArrayList<>();
        for (PartitionCount topic : request.getTopicsList()) {
            if (topic.getName().equals(OffsetsTopic.NAME)) {
                results.add(CompletableFuture.completedFuture(internalTopic(topic.getName(), "a group's coordinator is "
                        + "chosen by its partition count")));
                continue;
            }
            MetadataCommand command = MetadataCommand.newBuilder().setCreatePartitions(CreatePartitionsCommand.newBuilder()
                    .setTopic(topic.getName()).setTotalCount(topic.getCount()).setValidateOnly(request.getValidateOnly()))
                    .build();
            results.add(submit(topic.getName(), command, timeoutMs));
        }
        whenAll(results, topicResults -> {
            responseObserver.onNext(CreatePartitionsResponse.newBuilder().addAllTopics(topicResults).build());
            responseObserver.onCompleted();
        });
    }

    /** Clients neither create nor delete the offsets topic: it is the coordinators' own. */
    private static TopicResult internalTopic(String name, String why) {
        return TopicResult.newBuilder().setName(name).setErrorCode(io.tributary.proto.v1.ErrorCode.INVALID_TOPIC_NAME)
                .setErrorMessage(name + " is internal: " + why).build();
    }

    private CompletableFuture<TopicResult> submit(String name, MetadataCommand command, int timeoutMs) {
        return context.quorum().submit(command).orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .handle((result, failure) -> failure == null ? toTopicResult(name, result)
                        : TopicResult.newBuilder().setName(name).setErrorCode(ErrorMapping.codeFor(failure))
                                .setErrorMessage("metadata command failed: " + ErrorMapping.messageFor(failure))
                                .build());
    }

    private static TopicResult toTopicResult(String name, MetadataCommandResult result) {
        return TopicResult.newBuilder().setName(name).setErrorCode(ErrorMapping.codeOf(result))
                .setErrorMessage(result.getErrorMessage()).setTopicId(result.getTopicId()).build();
    }

    private void whenAll(List<CompletableFuture<TopicResult>> results,
                         java.util.function.Consumer<List<TopicResult>> respond) {
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).whenCompleteAsync(
                (ignored, error) -> respond.accept(results.stream().map(CompletableFuture::join).toList()),
                context.completionExecutor());
    }
}
