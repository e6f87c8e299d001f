package io.tributary.client.internal;

import io.tributary.proto.v1.InitProducerIdRequest;
import io.tributary.proto.v1.InitProducerIdResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.ProduceResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The producer's requests over the client's gRPC channels, each with its deadline. */
public final class GrpcProducerTransport implements ProducerTransport {
    private final ChannelPool channels;

    public GrpcProducerTransport(ChannelPool channels) {
        this.channels = channels;
    }

    @Override
    public CompletableFuture<ProduceResponse> produce(BrokerAddress broker, ProduceRequest request, long timeoutMs) {
        return Rpc.call(o -> channels.stub(broker).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                .produce(request, o));
    }

    @Override
    public CompletableFuture<InitProducerIdResponse> initProducerId(BrokerAddress broker, InitProducerIdRequest request,
                                                                    long timeoutMs) {
        return Rpc.call(o -> channels.stub(broker).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                .initProducerId(request, o));
    }
}
