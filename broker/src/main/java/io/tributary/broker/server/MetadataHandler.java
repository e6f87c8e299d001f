package io.tributary.broker.server;

import io.grpc.stub.StreamObserver;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.partition.Partition;
import io.tributary.metadata.BrokerRegistration;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.PartitionRegistration;
import io.tributary.metadata.TopicImage;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.BrokerInfo;
import io.tributary.proto.v1.DescribeTopicsRequest;
import io.tributary.proto.v1.DescribeTopicsResponse;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.MetadataRequest;
import io.tributary.proto.v1.MetadataResponse;
import io.tributary.proto.v1.PartitionDescription;
import io.tributary.proto.v1.PartitionMetadata;
import io.tributary.proto.v1.TopicDescription;
import io.tributary.proto.v1.TopicMetadata;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/** Metadata and DescribeTopics, answered from this node's metadata image (no second source of truth). */
final class MetadataHandler {
    private final BrokerContext context;

    MetadataHandler(BrokerContext context) {
        this.context = context;
    }

    void handleMetadata(MetadataRequest request, StreamObserver<MetadataResponse> responseObserver) {
        MetadataImage image = context.image();
        MetadataResponse.Builder response = MetadataResponse.newBuilder().setClusterId(nullToEmpty(image.clusterId()))
                .setControllerId(context.quorum().leaderId().orElse(-1)).setMetadataVersion(image.version());
        for (BrokerRegistration broker : new TreeMap<>(image.brokers()).values()) {
            context.endpointOf(broker).ifPresent(endpoint -> response.addBrokers(BrokerInfo.newBuilder()
                    .setNodeId(broker.brokerId()).setHost(endpoint.host()).setPort(endpoint.port())
                    .setRack(nullToEmpty(broker.rack()))));
        }
        for (String name : requestedNames(image, request.getTopicsList())) {
            Optional<TopicImage> topic = image.topic(name);
            if (topic.isEmpty()) {
                response.addTopics(TopicMetadata.newBuilder().setName(name).setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                        .setErrorMessage("unknown topic '" + name + "'"));
                continue;
            }
            TopicMetadata.Builder topicMetadata = TopicMetadata.newBuilder().setName(name).setErrorCode(ErrorCode.NONE)
                    .setTopicId(topic.get().topicId());
            for (PartitionRegistration p : new TreeMap<>(topic.get().partitions()).values()) {
                topicMetadata.addPartitions(PartitionMetadata.newBuilder().setPartition(p.partition())
                        .setErrorCode(p.leader() >= 0 ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE)
                        .setLeaderId(p.leader()).setLeaderEpoch(p.leaderEpoch()).addAllReplicas(p.replicas())
                        .addAllIsr(p.isr()).setPartitionEpoch(p.partitionEpoch()));
            }
            response.addTopics(topicMetadata);
        }
        responseObserver.onNext(response.build());
        responseObserver.onCompleted();
    }

    void handleDescribeTopics(DescribeTopicsRequest request, StreamObserver<DescribeTopicsResponse> responseObserver) {
        MetadataImage image = context.image();
        DescribeTopicsResponse.Builder response = DescribeTopicsResponse.newBuilder();
        for (String name : requestedNames(image, request.getNamesList())) {
            Optional<TopicImage> topic = image.topic(name);
            if (topic.isEmpty()) {
                response.addTopics(TopicDescription.newBuilder().setName(name)
                        .setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("unknown topic '" + name + "'"));
                continue;
            }
            TopicDescription.Builder description = TopicDescription.newBuilder().setName(name).setErrorCode(ErrorCode.NONE)
                    .setTopicId(topic.get().topicId()).putAllConfigs(topic.get().effectiveConfigs());
            for (PartitionRegistration p : new TreeMap<>(topic.get().partitions()).values()) {
                PartitionDescription.Builder partition = PartitionDescription.newBuilder().setPartition(p.partition())
                        .setLeaderId(p.leader()).setLeaderEpoch(p.leaderEpoch()).addAllReplicas(p.replicas())
                        .addAllIsr(p.isr()).setPartitionEpoch(p.partitionEpoch())
                        .setLogStartOffset(-1).setLogEndOffset(-1).setHighWatermark(-1);
                Optional<Partition> local = context.partitions().partition(new TopicPartition(name, p.partition()));
                if (local.isPresent()) {
                    PartitionLog log = local.get().log();
                    partition.setLogStartOffset(log.logStartOffset()).setLogEndOffset(log.logEndOffset())
                            .setHighWatermark(local.get().highWatermark());
                }
                description.addPartitions(partition);
            }
            response.addTopics(description);
        }
        responseObserver.onNext(response.build());
        responseObserver.onCompleted();
    }

    private static List<String> requestedNames(MetadataImage image, List<String> requested) {
        return requested.isEmpty() ? image.topicsByName().keySet().stream().sorted().toList() : requested;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
