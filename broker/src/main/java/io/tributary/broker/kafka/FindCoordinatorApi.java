package io.tributary.broker.kafka;

import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.proto.v1.Coordinator;
import io.tributary.proto.v1.CoordinatorKeyType;
import io.tributary.proto.v1.FindCoordinatorRequest;
import io.tributary.proto.v1.FindCoordinatorResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka FindCoordinator: groups are found as through the API (their coordinator's Kafka endpoint).
 * Transaction coordinators do not exist yet: UNSUPPORTED_VERSION, fatal in Kafka's producer.
 * Up to v3 one key is asked and answered at the top level; from v4 a list.
 */
final class FindCoordinatorApi {
    private static final byte GROUP = 0;
    private static final int BATCHED_VERSION = 4;

    private final TributaryGrpcService api;

    FindCoordinatorApi(TributaryGrpcService api) {
        this.api = api;
    }

    CompletableFuture<FindCoordinatorResponseData> handle(FindCoordinatorRequestData request, short version) {
        List<String> keys = version >= BATCHED_VERSION ? request.coordinatorKeys() : List.of(request.key());
        if (request.keyType() != GROUP) {
            FindCoordinatorResponseData out = new FindCoordinatorResponseData();
            if (version >= BATCHED_VERSION) {
                keys.forEach(key -> out.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey(key)
                        .setNodeId(-1).setHost("").setPort(-1).setErrorCode(Errors.UNSUPPORTED_VERSION.code())
                        .setErrorMessage("transactions are not supported yet")));
            } else {
                out.setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setErrorMessage("transactions are not supported yet")
                        .setNodeId(-1).setHost("").setPort(-1);
            }
            return CompletableFuture.completedFuture(out);
        }
        Answer<FindCoordinatorResponse> answer = new Answer<>();
        api.findCoordinator(FindCoordinatorRequest.newBuilder().setKeyType(CoordinatorKeyType.COORDINATOR_KEY_TYPE_GROUP)
                .addAllKeys(keys).build(), answer);
        return answer.future().thenApply(ours -> {
            FindCoordinatorResponseData out = new FindCoordinatorResponseData();
            for (Coordinator c : ours.getCoordinatorsList()) {
                if (version >= BATCHED_VERSION) {
                    out.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey(c.getKey())
                            .setNodeId(c.getNodeId()).setHost(c.getHost()).setPort(c.getPort())
                            .setErrorCode(KafkaErrors.code(c.getErrorCode()))
                            .setErrorMessage(c.getErrorMessage().isEmpty() ? null : c.getErrorMessage()));
                } else {
                    out.setNodeId(c.getNodeId()).setHost(c.getHost()).setPort(c.getPort())
                            .setErrorCode(KafkaErrors.code(c.getErrorCode()))
                            .setErrorMessage(c.getErrorMessage().isEmpty() ? null : c.getErrorMessage());
                }
            }
            return out;
        });
    }
}
