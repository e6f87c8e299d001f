package io.tributary.broker.kafka;

import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.metadata.MetadataImage;
import io.tributary.proto.v1.DescribeGroupsRequest;
import io.tributary.proto.v1.DescribeGroupsResponse;
import io.tributary.proto.v1.DescribedGroup;
import io.tributary.proto.v1.DescribedMember;
import io.tributary.proto.v1.GroupType;
import io.tributary.proto.v1.TopicPartitions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import io.tributary.proto.v1.DeleteGroupsRequest;
import io.tributary.proto.v1.DeleteGroupsResponse;
import io.tributary.proto.v1.DeletedGroup;
import io.tributary.proto.v1.ListGroupsRequest;
import io.tributary.proto.v1.ListGroupsResponse;
import io.tributary.proto.v1.ListedGroup;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;

/**
 * Kafka ListGroups, ConsumerGroupDescribe and DeleteGroups on the group coordinator (Kafka's admin client asks every
 * broker for its groups, as ours does). A group is a consumer-protocol group or one of Kafka's
 * classic protocol; states are named as Kafka names them ("Stable", "Empty", ...).
 */
final class GroupAdminApi {
    private static final String CONSUMER = "consumer";
    private static final String CLASSIC = "classic";

    private final TributaryGrpcService api;
    private final Supplier<MetadataImage> image;

    GroupAdminApi(TributaryGrpcService api, Supplier<MetadataImage> image) {
        this.api = api;
        this.image = image;
    }

    CompletableFuture<ListGroupsResponseData> list(ListGroupsRequestData request) {
        Set<String> states = request.statesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Set<String> types = request.typesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Answer<ListGroupsResponse> answer = new Answer<>();
        api.listGroups(ListGroupsRequest.getDefaultInstance(), answer);
        return answer.future().thenApply(ours -> {
            ListGroupsResponseData out = new ListGroupsResponseData().setErrorCode(KafkaErrors.code(ours.getErrorCode()));
            for (ListedGroup group : ours.getGroupsList()) {
                boolean classic = group.getType() == GroupType.CLASSIC;
                String state = classic ? group.getState() : kafkaState(group.getState());
                String type = classic ? CLASSIC : CONSUMER;
                if ((states.isEmpty() || states.contains(state.toLowerCase(Locale.ROOT)))
                        && (types.isEmpty() || types.contains(type))) {
                    out.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(group.getGroupId())
                            .setProtocolType(group.getProtocolType()).setGroupState(state).setGroupType(type));
                }
            }
            return out;
        });
    }

    /** "stable" as Kafka spells a consumer group's state: "Stable". */
    static String kafkaState(String state) {
        return state.isEmpty() ? state : Character.toUpperCase(state.charAt(0)) + state.substring(1);
    }

    /** KIP-848's ConsumerGroupDescribe: members, epochs, assignments (topic ids and names) and targets. */
    CompletableFuture<ConsumerGroupDescribeResponseData> describe(ConsumerGroupDescribeRequestData request) {
        MetadataImage metadata = image.get();
        Answer<DescribeGroupsResponse> answer = new Answer<>();
        api.describeGroups(DescribeGroupsRequest.newBuilder().addAllGroupIds(request.groupIds()).build(), answer);
        return answer.future().thenApply(ours -> {
            ConsumerGroupDescribeResponseData out = new ConsumerGroupDescribeResponseData();
            for (DescribedGroup group : ours.getGroupsList()) {
                if (group.getType() == GroupType.CLASSIC) {
                    // as Kafka answers: the admin client then describes it with DescribeGroups
                    out.groups().add(new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(group.getGroupId())
                            .setErrorCode(org.apache.kafka.common.protocol.Errors.GROUP_ID_NOT_FOUND.code())
                            .setErrorMessage("group " + group.getGroupId() + " is not a consumer group"));
                    continue;
                }
                ConsumerGroupDescribeResponseData.DescribedGroup g = new ConsumerGroupDescribeResponseData.DescribedGroup()
                        .setGroupId(group.getGroupId()).setErrorCode(KafkaErrors.code(group.getErrorCode()))
                        .setErrorMessage(group.getErrorMessage().isEmpty() ? null : group.getErrorMessage())
                        .setGroupState(kafkaState(group.getState())).setGroupEpoch(group.getGroupEpoch())
                        .setAssignmentEpoch(group.getAssignmentEpoch()).setAssignorName(group.getAssignor());
                for (DescribedMember m : group.getMembersList()) {
                    g.members().add(new ConsumerGroupDescribeResponseData.Member().setMemberId(m.getMemberId())
                            .setInstanceId(m.getInstanceId().isEmpty() ? null : m.getInstanceId())
                            .setMemberEpoch(m.getMemberEpoch()).setClientId(m.getClientId()).setClientHost(m.getClientHost())
                            .setSubscribedTopicNames(new ArrayList<>(m.getSubscribedTopicNamesList()))
                            .setSubscribedTopicRegex(m.getSubscribedTopicRegex().isEmpty() ? null : m.getSubscribedTopicRegex())
                            .setAssignment(assignment(m.getAssignmentList(), metadata))
                            .setTargetAssignment(assignment(m.getTargetAssignmentList(), metadata)));
                }
                out.groups().add(g);
            }
            return out;
        });
    }

    private static ConsumerGroupDescribeResponseData.Assignment assignment(List<TopicPartitions> partitions,
                                                                           MetadataImage metadata) {
        ConsumerGroupDescribeResponseData.Assignment out = new ConsumerGroupDescribeResponseData.Assignment();
        for (TopicPartitions tp : partitions) {
            out.topicPartitions().add(new ConsumerGroupDescribeResponseData.TopicPartitions().setTopicName(tp.getTopic())
                    .setTopicId(TopicIds.idOf(metadata, tp.getTopic())).setPartitions(new ArrayList<>(tp.getPartitionsList())));
        }
        return out;
    }

    CompletableFuture<DeleteGroupsResponseData> delete(DeleteGroupsRequestData request) {
        Answer<DeleteGroupsResponse> answer = new Answer<>();
        api.deleteGroups(DeleteGroupsRequest.newBuilder().addAllGroupIds(request.groupsNames()).build(), answer);
        return answer.future().thenApply(ours -> {
            DeleteGroupsResponseData out = new DeleteGroupsResponseData();
            for (DeletedGroup group : ours.getGroupsList()) {
                out.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(group.getGroupId())
                        .setErrorCode(KafkaErrors.code(group.getErrorCode())));
            }
            return out;
        });
    }
}
