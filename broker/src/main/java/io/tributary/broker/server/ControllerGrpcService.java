package io.tributary.broker.server;

import io.grpc.stub.StreamObserver;
import io.tributary.proto.v1.BrokerHeartbeatRequest;
import io.tributary.proto.v1.BrokerHeartbeatResponse;
import io.tributary.proto.v1.ControlledShutdownRequest;
import io.tributary.proto.v1.ControlledShutdownResponse;
import io.tributary.proto.v1.ControllerGrpc;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.LeaderHint;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The broker-to-controller API on this node. The decisions are the metadata quorum's; this only
 * binds them to gRPC and names the active controller when this node is not it.
 */
final class ControllerGrpcService extends ControllerGrpc.ControllerImplBase {
    private final BrokerContext context;

    ControllerGrpcService(BrokerContext context) {
        this.context = context;
    }

    @Override
    public void brokerHeartbeat(BrokerHeartbeatRequest request, StreamObserver<BrokerHeartbeatResponse> observer) {
        answer(context.quorum().handleBrokerHeartbeat(request), observer,
                (code, message) -> BrokerHeartbeatResponse.newBuilder().setErrorCode(code).setErrorMessage(message).build(),
                BrokerHeartbeatResponse::getErrorCode,
                response -> response.toBuilder().setController(controllerHint()).build());
    }

    @Override
    public void controlledShutdown(ControlledShutdownRequest request, StreamObserver<ControlledShutdownResponse> observer) {
        answer(context.quorum().handleControlledShutdown(request), observer,
                (code, message) -> ControlledShutdownResponse.newBuilder().setErrorCode(code).setErrorMessage(message)
                        .build(),
                ControlledShutdownResponse::getErrorCode,
                response -> response.toBuilder().setController(controllerHint()).build());
    }

    /** Sends the quorum's answer, a typed error if it failed, and the controller's address on NOT_CONTROLLER. */
    private <T> void answer(CompletableFuture<T> result, StreamObserver<T> observer,
                            BiFunction<ErrorCode, String, T> error, Function<T, ErrorCode> codeOf,
                            Function<T, T> withControllerHint) {
        result.whenComplete((response, failure) -> {
            T answer = failure != null
                    ? error.apply(ErrorMapping.codeFor(failure), ErrorMapping.messageFor(failure))
                    : response;
            if (codeOf.apply(answer) == ErrorCode.NOT_CONTROLLER) {
                answer = withControllerHint.apply(answer);
            }
            observer.onNext(answer);
            observer.onCompleted();
        });
    }

    private LeaderHint controllerHint() {
        return context.quorum().leaderId().isPresent()
                ? context.leaderHint(context.quorum().leaderId().getAsInt(), -1)
                : LeaderHint.newBuilder().setLeaderId(-1).setLeaderEpoch(-1).build();
    }
}
