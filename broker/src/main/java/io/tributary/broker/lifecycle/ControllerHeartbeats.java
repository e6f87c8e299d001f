package io.tributary.broker.lifecycle;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.tributary.metadata.MetadataQuorum;
import io.tributary.proto.v1.BrokerHeartbeatRequest;
import io.tributary.proto.v1.BrokerHeartbeatResponse;
import io.tributary.proto.v1.ControllerGrpc;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Carries a broker heartbeat to the active controller. When this node's metadata quorum member
 * follows a leader, the heartbeat goes straight to that node's Controller service over gRPC: after
 * an election the member learns the new leader from its first append, while the quorum's Ratis
 * client first retries the leader it last knew and, when that one died or was cut off, waits out
 * a whole attempt there, time in which a healthy broker's lease can lapse. When the member knows
 * no leader (an election under way), or the direct attempt gets no answer, the Ratis client
 * carries it ({@link MetadataQuorum#sendBrokerHeartbeat}).
 */
public final class ControllerHeartbeats
        implements Function<BrokerHeartbeatRequest, CompletableFuture<BrokerHeartbeatResponse>> {
    /** As long as one Ratis client attempt: a live node answers a heartbeat in milliseconds. */
    static final long DIRECT_ATTEMPT_MS = 500;

    private final MetadataQuorum quorum;
    private final IntFunction<Optional<ManagedChannel>> channelToNode;

    /** @param channelToNode a gRPC channel to a node's client listener, by node id */
    public ControllerHeartbeats(MetadataQuorum quorum, IntFunction<Optional<ManagedChannel>> channelToNode) {
        this.quorum = quorum;
        this.channelToNode = channelToNode;
    }

    @Override
    public CompletableFuture<BrokerHeartbeatResponse> apply(BrokerHeartbeatRequest request) {
        OptionalInt followed = quorum.isLeader() ? OptionalInt.empty() : quorum.followedLeader();
        Optional<ManagedChannel> channel = followed.isPresent() ? channelToNode.apply(followed.getAsInt())
                : Optional.empty();
        if (channel.isEmpty()) {
            return quorum.sendBrokerHeartbeat(request);
        }
        CompletableFuture<BrokerHeartbeatResponse> direct = new CompletableFuture<>();
        ControllerGrpc.newStub(channel.get()).withDeadlineAfter(DIRECT_ATTEMPT_MS, TimeUnit.MILLISECONDS)
                .brokerHeartbeat(request, new StreamObserver<>() {
                    @Override
                    public void onNext(BrokerHeartbeatResponse response) {
                        direct.complete(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        direct.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        // the answer came in onNext
                    }
                });
        // no answer from that node (down, cut off, not serving yet): the Ratis client finds the leader
        return direct.exceptionallyCompose(failure -> quorum.sendBrokerHeartbeat(request));
    }
}
