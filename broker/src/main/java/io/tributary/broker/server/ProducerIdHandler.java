package io.tributary.broker.server;

import io.grpc.stub.StreamObserver;
import io.tributary.metadata.MetadataQuorum;
import io.tributary.proto.metadata.v1.AllocateProducerIdsCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.InitProducerIdRequest;
import io.tributary.proto.v1.InitProducerIdResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * InitProducerId: hands out producer ids from a block this broker got from the controller (one
 * metadata record per {@link MetadataQuorum#PRODUCER_ID_BLOCK_SIZE} ids), so ids are unique across
 * the cluster and survive every restart. Idempotent producers start at epoch 0.
 */
final class ProducerIdHandler {
    private final BrokerContext context;
    private final LongSupplier brokerEpoch;
    private long nextId; // guarded by this
    private long blockEnd; // guarded by this; exclusive
    private CompletableFuture<Void> refill; // guarded by this; the block request in flight, if any

    /** @param brokerEpoch this broker's registration epoch, or -1 on a node that is not a broker */
    ProducerIdHandler(BrokerContext context, LongSupplier brokerEpoch) {
        this.context = context;
        this.brokerEpoch = brokerEpoch;
    }

    void handle(InitProducerIdRequest request, StreamObserver<InitProducerIdResponse> observer) {
        if (!context.serving().isOpen()) {
            respond(observer, InitProducerIdResponse.newBuilder().setErrorCode(ErrorCode.BROKER_NOT_AVAILABLE)
                    .setErrorMessage(context.serving().refusal(context.nodeId())).build());
            return;
        }
        if (!request.getTransactionalId().isEmpty()) {
            respond(observer, InitProducerIdResponse.newBuilder().setErrorCode(ErrorCode.INVALID_REQUEST)
                    .setErrorMessage("transactions are not supported yet; send an empty transactional_id").build());
            return;
        }
        nextProducerId().whenComplete((id, error) -> respond(observer, error == null
                ? InitProducerIdResponse.newBuilder().setErrorCode(ErrorCode.NONE).setProducerId(id).setProducerEpoch(0)
                        .build()
                : InitProducerIdResponse.newBuilder().setErrorCode(ErrorMapping.codeFor(error))
                        .setErrorMessage("no producer id: " + ErrorMapping.messageFor(error)).build()));
    }

    private CompletableFuture<Long> nextProducerId() {
        CompletableFuture<Void> waitFor;
        synchronized (this) {
            if (nextId < blockEnd) {
                return CompletableFuture.completedFuture(nextId++);
            }
            if (refill == null) {
                refill = requestBlock();
            }
            waitFor = refill;
        }
        return waitFor.thenCompose(ignored -> nextProducerId());
    }

    private CompletableFuture<Void> requestBlock() {
        long epoch = brokerEpoch.getAsLong();
        if (epoch < 0) {
            return CompletableFuture.failedFuture(new BrokerNotRegisteredException(context.nodeId()));
        }
        MetadataCommand command = MetadataCommand.newBuilder().setAllocateProducerIds(AllocateProducerIdsCommand
                .newBuilder().setBrokerId(context.nodeId()).setBrokerEpoch(epoch)).build();
        return context.quorum().submit(command).orTimeout(BrokerContext.DEFAULT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .handle((result, error) -> {
                    synchronized (this) {
                        refill = null;
                        if (error == null && result.getErrorCode() == ErrorCode.NONE_VALUE) {
                            nextId = result.getFirstProducerId();
                            blockEnd = nextId + MetadataQuorum.PRODUCER_ID_BLOCK_SIZE;
                            return null;
                        }
                    }
                    throw new java.util.concurrent.CompletionException(error != null ? error
                            : new IllegalStateException(result.getErrorMessage()));
                });
    }

    private static void respond(StreamObserver<InitProducerIdResponse> observer, InitProducerIdResponse response) {
        observer.onNext(response);
        observer.onCompleted();
    }
}
