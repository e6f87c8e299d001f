package io.tributary.broker.server;

import io.grpc.stub.StreamObserver;
import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.coordinator.GroupCoordinatorRuntime;
import io.tributary.broker.coordinator.OffsetsTopic;
import io.tributary.metadata.BrokerRegistration;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.PartitionRegistration;
import io.tributary.metadata.TopicImage;
import io.tributary.proto.metadata.v1.CreateTopicCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ConsumerGroupHeartbeatResponse;
import io.tributary.proto.v1.Coordinator;
import io.tributary.proto.v1.CoordinatorKeyType;
import io.tributary.proto.v1.DeleteGroupsRequest;
import io.tributary.proto.v1.DeleteGroupsResponse;
import io.tributary.proto.v1.DeletedGroup;
import io.tributary.proto.v1.DescribeGroupsRequest;
import io.tributary.proto.v1.DescribeGroupsResponse;
import io.tributary.proto.v1.DescribedGroup;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.FindCoordinatorRequest;
import io.tributary.proto.v1.FindCoordinatorResponse;
import io.tributary.proto.v1.ListGroupsRequest;
import io.tributary.proto.v1.ListGroupsResponse;
import io.tributary.proto.v1.OffsetCommitRequest;
import io.tributary.proto.v1.OffsetCommitResponse;
import io.tributary.proto.v1.OffsetFetchRequest;
import io.tributary.proto.v1.OffsetFetchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group RPCs: FindCoordinator (which creates the offsets topic on first use), and the requests
 * the group's coordinator serves through {@link GroupCoordinatorRuntime}.
 */
final class GroupHandler {
    private static final Logger log = LoggerFactory.getLogger(GroupHandler.class);

    private final BrokerContext context;
    private final GroupCoordinatorRuntime coordinator;
    private final NodeConfig.Groups settings;
    private final AtomicBoolean creatingOffsetsTopic = new AtomicBoolean();

    GroupHandler(BrokerContext context, GroupCoordinatorRuntime coordinator, NodeConfig.Groups settings) {
        this.context = context;
        this.coordinator = coordinator;
        this.settings = settings;
    }

    void findCoordinator(FindCoordinatorRequest request, StreamObserver<FindCoordinatorResponse> observer) {
        MetadataImage image = context.image();
        TopicImage offsets = image.topic(OffsetsTopic.NAME).orElse(null);
        if (offsets == null && request.getKeysCount() > 0) {
            createOffsetsTopic(image);
        }
        FindCoordinatorResponse.Builder response = FindCoordinatorResponse.newBuilder();
        for (String key : request.getKeysList()) {
            response.addCoordinators(locate(key, request.getKeyType(), offsets, image));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    private Coordinator locate(String key, CoordinatorKeyType type, TopicImage offsets, MetadataImage image) {
        Coordinator.Builder out = Coordinator.newBuilder().setKey(key).setNodeId(-1);
        if (type != CoordinatorKeyType.COORDINATOR_KEY_TYPE_GROUP) {
            return out.setErrorCode(ErrorCode.INVALID_REQUEST).setErrorMessage("only group coordinators exist").build();
        }
        if (key.isEmpty()) {
            return out.setErrorCode(ErrorCode.INVALID_GROUP_ID).setErrorMessage("a group id must not be empty").build();
        }
        if (offsets == null) {
            return out.setErrorCode(ErrorCode.COORDINATOR_NOT_AVAILABLE)
                    .setErrorMessage("the " + OffsetsTopic.NAME + " topic is being created; retry").build();
        }
        int partition = OffsetsTopic.partitionFor(key, offsets.numPartitions());
        PartitionRegistration registration = offsets.partitions().get(partition);
        BrokerRegistration leader = registration == null || !registration.hasLeader() ? null
                : image.brokers().get(registration.leader());
        var endpoint = leader == null ? null : context.endpointOf(leader).orElse(null);
        if (endpoint == null) {
            return out.setErrorCode(ErrorCode.COORDINATOR_NOT_AVAILABLE).setErrorMessage(OffsetsTopic.NAME + "-"
                    + partition + " has no leader reachable from this listener; retry").build();
        }
        return out.setErrorCode(ErrorCode.NONE).setNodeId(leader.brokerId()).setHost(endpoint.host())
                .setPort(endpoint.port()).build();
    }

    /** Asks the controller for the offsets topic, once at a time; the client retries meanwhile. */
    private void createOffsetsTopic(MetadataImage image) {
        if (!creatingOffsetsTopic.compareAndSet(false, true)) {
            return;
        }
        int brokers = (int) image.brokers().values().stream().filter(BrokerRegistration::isEligibleLeader).count();
        int replicationFactor = OffsetsTopic.replicationFactor(settings.offsetsTopicReplicationFactor(), brokers);
        CreateTopicCommand command = CreateTopicCommand.newBuilder().setName(OffsetsTopic.NAME)
                .setNumPartitions(settings.offsetsTopicPartitions()).setReplicationFactor(replicationFactor)
                .putAllConfigs(OffsetsTopic.configs(replicationFactor)).build();
        context.quorum().submit(MetadataCommand.newBuilder().setCreateTopic(command).build()).whenComplete((result, failure) -> {
            creatingOffsetsTopic.set(false);
            if (failure != null) {
                log.warn("Node {}: creating {} failed: {}", context.nodeId(), OffsetsTopic.NAME, failure.toString());
            } else if (ErrorMapping.codeOf(result) == ErrorCode.NONE) {
                log.info("Node {}: created {} ({} partitions, replication factor {})", context.nodeId(), OffsetsTopic.NAME,
                        settings.offsetsTopicPartitions(), replicationFactor);
            } else if (ErrorMapping.codeOf(result) != ErrorCode.TOPIC_ALREADY_EXISTS) {
                log.warn("Node {}: creating {} refused: {} {}", context.nodeId(), OffsetsTopic.NAME,
                        ErrorMapping.codeOf(result), result.getErrorMessage());
            }
        });
    }

    void heartbeat(ConsumerGroupHeartbeatRequest request, StreamObserver<ConsumerGroupHeartbeatResponse> observer) {
        answer(coordinator.heartbeat(request, ClientAddress.current()), observer);
    }

    void commitOffsets(OffsetCommitRequest request, StreamObserver<OffsetCommitResponse> observer) {
        answer(coordinator.commitOffsets(request), observer);
    }

    void fetchOffsets(OffsetFetchRequest request, StreamObserver<OffsetFetchResponse> observer) {
        answer(coordinator.fetchOffsets(request), observer);
    }

    void describeGroups(DescribeGroupsRequest request, StreamObserver<DescribeGroupsResponse> observer) {
        List<CompletableFuture<DescribedGroup>> each = new ArrayList<>();
        request.getGroupIdsList().forEach(id -> each.add(coordinator.describeGroup(id)));
        answer(CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(ok -> {
            DescribeGroupsResponse.Builder response = DescribeGroupsResponse.newBuilder();
            each.forEach(f -> response.addGroups(f.join()));
            return response.build();
        }), observer);
    }

    void deleteGroups(DeleteGroupsRequest request, StreamObserver<DeleteGroupsResponse> observer) {
        List<CompletableFuture<DeletedGroup>> each = new ArrayList<>();
        request.getGroupIdsList().forEach(id -> each.add(coordinator.deleteGroup(id)));
        answer(CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(ok -> {
            DeleteGroupsResponse.Builder response = DeleteGroupsResponse.newBuilder();
            each.forEach(f -> response.addGroups(f.join()));
            return response.build();
        }), observer);
    }

    void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> observer) {
        answer(coordinator.listGroups().thenApply(groups -> ListGroupsResponse.newBuilder()
                .setErrorCode(ErrorCode.NONE).addAllGroups(groups).build()), observer);
    }

    /** Answers on the completion executor: the coordinator's futures complete on its own and the log's threads. */
    private <T> void answer(CompletableFuture<T> response, StreamObserver<T> observer) {
        response.whenCompleteAsync((value, failure) -> {
            if (failure != null) {
                observer.onError(io.grpc.Status.INTERNAL.withDescription("group request failed: " + failure)
                        .asRuntimeException());
            } else {
                observer.onNext(value);
                observer.onCompleted();
            }
        }, context.completionExecutor());
    }
}
