package io.tributary.broker.kafka;

import io.tributary.broker.coordinator.GroupCoordinatorRuntime;
import io.tributary.metadata.MetadataImage;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ConsumerGroupHeartbeatResponse;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.TopicPartitions;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;

/**
 * KIP-848's ConsumerGroupHeartbeat from Kafka's consumer ({@code group.protocol=consumer}) on the
 * same coordinator our SDK uses. Kafka names partitions by topic id and leaves out what did not
 * change since the last heartbeat (null subscription, null owned partitions); the API says so with
 * {@code subscription_set} and {@code owned_topic_partitions_unchanged}. A v0 member joins without
 * an id and is given one.
 */
final class ConsumerGroupHeartbeatApi {
    private final GroupCoordinatorRuntime coordinator;
    private final Supplier<MetadataImage> image;

    ConsumerGroupHeartbeatApi(GroupCoordinatorRuntime coordinator, Supplier<MetadataImage> image) {
        this.coordinator = coordinator;
        this.image = image;
    }

    CompletableFuture<ConsumerGroupHeartbeatResponseData> handle(ConsumerGroupHeartbeatRequestData request,
                                                                 String clientId, String clientHost) {
        MetadataImage metadata = image.get();
        String memberId = request.memberId() == null || request.memberId().isEmpty() && request.memberEpoch() == 0
                ? Uuid.randomUuid().toString() : request.memberId();
        ConsumerGroupHeartbeatRequest.Builder out = ConsumerGroupHeartbeatRequest.newBuilder()
                .setGroupId(request.groupId()).setMemberId(memberId).setMemberEpoch(request.memberEpoch())
                .setInstanceId(nullToEmpty(request.instanceId())).setRackId(nullToEmpty(request.rackId()))
                .setRebalanceTimeoutMs(request.rebalanceTimeoutMs()).setServerAssignor(nullToEmpty(request.serverAssignor()))
                .setClientId(nullToEmpty(clientId));
        boolean subscriptionSet = request.subscribedTopicNames() != null || request.subscribedTopicRegex() != null;
        if (subscriptionSet) {
            out.setSubscriptionSet(true).setSubscribedTopicRegex(nullToEmpty(request.subscribedTopicRegex()));
            if (request.subscribedTopicNames() != null) {
                out.addAllSubscribedTopicNames(request.subscribedTopicNames());
            }
        }
        if (request.topicPartitions() == null) {
            out.setOwnedTopicPartitionsUnchanged(true);
        } else {
            for (ConsumerGroupHeartbeatRequestData.TopicPartitions owned : request.topicPartitions()) {
                // a topic deleted since: its partitions are owned by nobody any more
                TopicIds.nameOf(metadata, owned.topicId()).ifPresent(name -> out.addOwnedTopicPartitions(
                        TopicPartitions.newBuilder().setTopic(name).addAllPartitions(owned.partitions())));
            }
        }
        return coordinator.heartbeat(out.build(), clientHost).thenApply(ours -> translate(ours, metadata));
    }

    private static ConsumerGroupHeartbeatResponseData translate(ConsumerGroupHeartbeatResponse ours, MetadataImage metadata) {
        ConsumerGroupHeartbeatResponseData out = new ConsumerGroupHeartbeatResponseData()
                .setErrorCode(KafkaErrors.code(ours.getErrorCode()))
                .setErrorMessage(ours.getErrorMessage().isEmpty() ? null : ours.getErrorMessage())
                .setMemberId(ours.getMemberId().isEmpty() ? null : ours.getMemberId())
                .setMemberEpoch(ours.getMemberEpoch()).setHeartbeatIntervalMs(ours.getHeartbeatIntervalMs());
        if (ours.getErrorCode() == ErrorCode.NONE && ours.getMemberEpoch() >= 0) {
            ConsumerGroupHeartbeatResponseData.Assignment assignment = new ConsumerGroupHeartbeatResponseData.Assignment()
                    .setTopicPartitions(new ArrayList<>());
            for (TopicPartitions tp : ours.getAssignmentList()) {
                assignment.topicPartitions().add(new ConsumerGroupHeartbeatResponseData.TopicPartitions()
                        .setTopicId(TopicIds.idOf(metadata, tp.getTopic())).setPartitions(new ArrayList<>(tp.getPartitionsList())));
            }
            out.setAssignment(assignment);
        }
        return out;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
