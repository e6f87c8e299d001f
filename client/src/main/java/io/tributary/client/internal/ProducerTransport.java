package io.tributary.client.internal;

import io.tributary.proto.v1.InitProducerIdRequest;
import io.tributary.proto.v1.InitProducerIdResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.ProduceResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The requests a producer sends, as futures: gRPC in the client ({@link GrpcProducerTransport}),
 * a lossy simulated network in the producer simulation. A future that fails failed in transport
 * (its outcome is unknown): see {@link Rpc#transportFailure}.
 */
public interface ProducerTransport {
    CompletableFuture<ProduceResponse> produce(BrokerAddress broker, ProduceRequest request, long timeoutMs);

    CompletableFuture<InitProducerIdResponse> initProducerId(BrokerAddress broker, InitProducerIdRequest request,
                                                             long timeoutMs);
}
