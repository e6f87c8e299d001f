package io.tributary.broker.server;

import io.grpc.stub.StreamObserver;
import io.tributary.proto.v1.BrokerHeartbeatRequest;
import io.tributary.proto.v1.BrokerHeartbeatResponse;
import io.tributary.proto.v1.ControlledShutdownRequest;
import io.tributary.proto.v1.ControlledShutdownResponse;
import io.tributary.proto.v1.ControllerGrpc;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.LeaderHint;

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
        context.quorum().handleBrokerHeartbeat(request).whenComplete((response, error) -> {
            BrokerHeartbeatResponse answer = error != null
                    ? BrokerHeartbeatResponse.newBuilder().setErrorCode(ErrorMapping.codeFor(error))
                            .setErrorMessage(ErrorMapping.messageFor(error)).build()
                    : response;
            if (answer.getErrorCode() == ErrorCode.NOT_CONTROLLER) {
                answer = answer.toBuilder().setController(controllerHint()).build();
            }
            observer.onNext(answer);
            observer.onCompleted();
        });
    }

    @Override
    public void controlledShutdown(ControlledShutdownRequest request, StreamObserver<ControlledShutdownResponse> observer) {
        context.quorum().handleControlledShutdown(request).whenComplete((response, error) -> {
            ControlledShutdownResponse answer = error != null
                    ? ControlledShutdownResponse.newBuilder().setErrorCode(ErrorMapping.codeFor(error))
                            .setErrorMessage(ErrorMapping.messageFor(error)).build()
                    : response;
            if (answer.getErrorCode() == ErrorCode.NOT_CONTROLLER) {
                answer = answer.toBuilder().setController(controllerHint()).build();
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
