package io.tributary.broker.kafka;

import io.tributary.broker.server.TributaryGrpcService;
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
 * Kafka ListGroups and DeleteGroups on this broker's coordinator (Kafka's admin client asks every
 * broker for its groups, as ours does). Every group is a consumer-protocol group; its state is
 * named as Kafka names them ("Stable", "Empty", ...).
 */
final class GroupAdminApi {
    private static final String CONSUMER = "consumer";

    private final TributaryGrpcService api;

    GroupAdminApi(TributaryGrpcService api) {
        this.api = api;
    }

    CompletableFuture<ListGroupsResponseData> list(ListGroupsRequestData request) {
        Set<String> states = request.statesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Set<String> types = request.typesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Answer<ListGroupsResponse> answer = new Answer<>();
        api.listGroups(ListGroupsRequest.getDefaultInstance(), answer);
        return answer.future().thenApply(ours -> {
            ListGroupsResponseData out = new ListGroupsResponseData().setErrorCode(KafkaErrors.code(ours.getErrorCode()));
            for (ListedGroup group : ours.getGroupsList()) {
                if ((states.isEmpty() || states.contains(group.getState())) && (types.isEmpty() || types.contains(CONSUMER))) {
                    out.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(group.getGroupId())
                            .setProtocolType(CONSUMER).setGroupState(kafkaState(group.getState())).setGroupType(CONSUMER));
                }
            }
            return out;
        });
    }

    /** "stable" as Kafka spells a consumer group's state: "Stable". */
    static String kafkaState(String state) {
        return state.isEmpty() ? state : Character.toUpperCase(state.charAt(0)) + state.substring(1);
    }

    CompletableFuture<DeleteGroupsResponseData> delete(DeleteGroupsRequestData request) {
        Answer<DeleteGroupsResponse> answer = new Answer<>();
        api.deleteGroups(DeleteGroupsRequest.newBuilder().addAllGroupIds(request.groupsNames()).build(), answer);
        return answer.future().thenApply(ours -> {
            DeleteGroupsResponseData out = new DeleteGroupsResponseData();
            for (DeletedGroup group : ours.getGroupsList()) {
                out.results().add(new DeleteGroupsResponseData.DeletableGroupResult().setGroupId(group.getGroupId())
                        .setErrorCode(KafkaErrors.code(group.getErrorCode()))
                        .setErrorMessage(group.getErrorMessage().isEmpty() ? null : group.getErrorMessage()));
            }
            return out;
        });
    }
}
