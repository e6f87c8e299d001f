package io.tributary.broker.kafka;

import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.proto.v1.InitProducerIdRequest;
import io.tributary.proto.v1.InitProducerIdResponse;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka InitProducerId for idempotent producers. Transactions are not served yet: a transactional
 * id is refused with UNSUPPORTED_VERSION, which Kafka's producer reports as fatal at once rather
 * than retrying.
 */
final class ProducerIdApi {
    private final TributaryGrpcService api;

    ProducerIdApi(TributaryGrpcService api) {
        this.api = api;
    }

    CompletableFuture<InitProducerIdResponseData> handle(InitProducerIdRequestData request) {
        if (request.transactionalId() != null) {
            return CompletableFuture.completedFuture(new InitProducerIdResponseData()
                    .setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setProducerId(-1).setProducerEpoch((short) -1));
        }
        Answer<InitProducerIdResponse> answer = new Answer<>();
        api.initProducerId(InitProducerIdRequest.getDefaultInstance(), answer);
        return answer.future().thenApply(ours -> new InitProducerIdResponseData()
                .setErrorCode(KafkaErrors.code(ours.getErrorCode())).setProducerId(ours.getProducerId())
                .setProducerEpoch((short) ours.getProducerEpoch()));
    }
}
