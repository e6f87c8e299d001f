package io.tributary.client.internal;

import io.tributary.client.TributaryException;
import io.tributary.proto.Errors;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ConsumerGroupHeartbeatResponse;
import io.tributary.proto.v1.Coordinator;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.FindCoordinatorRequest;
import io.tributary.proto.v1.FindCoordinatorResponse;
import io.tributary.proto.v1.OffsetCommitRequest;
import io.tributary.proto.v1.OffsetCommitResponse;
import io.tributary.proto.v1.OffsetFetchRequest;
import io.tributary.proto.v1.OffsetFetchResponse;
import io.tributary.proto.v1.TributaryGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The requests a group member sends to its group's coordinator, and finding that coordinator
 * (FindCoordinator to any broker, cached until the coordinator says it is not, or cannot be
 * reached). Futures complete on transport threads.
 */
public final class GroupChannel {
    private final ChannelPool channels;
    private final MetadataManager metadata;
    private final List<BrokerAddress> bootstrap;
    private final String groupId;
    private final long requestTimeoutMs;
    private volatile BrokerAddress coordinator;
    private CompletableFuture<BrokerAddress> lookup; // guarded by this
    private int nextBroker; // guarded by this

    public GroupChannel(ChannelPool channels, MetadataManager metadata, List<BrokerAddress> bootstrap, String groupId,
                        long requestTimeoutMs) {
        this.channels = channels;
        this.metadata = metadata;
        this.bootstrap = List.copyOf(bootstrap);
        this.groupId = groupId;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    public String groupId() {
        return groupId;
    }

    public CompletableFuture<ConsumerGroupHeartbeatResponse> heartbeat(ConsumerGroupHeartbeatRequest request) {
        return send((stub, observer) -> stub.consumerGroupHeartbeat(request, observer), "ConsumerGroupHeartbeat",
                ConsumerGroupHeartbeatResponse::getErrorCode);
    }

    public CompletableFuture<OffsetCommitResponse> commit(OffsetCommitRequest request) {
        return send((stub, observer) -> stub.offsetCommit(request, observer), "OffsetCommit",
                OffsetCommitResponse::getErrorCode);
    }

    public CompletableFuture<OffsetFetchResponse> fetchOffsets(OffsetFetchRequest request) {
        return send((stub, observer) -> stub.offsetFetch(request, observer), "OffsetFetch",
                OffsetFetchResponse::getErrorCode);
    }

    public CompletableFuture<io.tributary.proto.v1.DescribeGroupsResponse> describe() {
        io.tributary.proto.v1.DescribeGroupsRequest request = io.tributary.proto.v1.DescribeGroupsRequest.newBuilder()
                .addGroupIds(groupId).build();
        return send((stub, observer) -> stub.describeGroups(request, observer), "DescribeGroups",
                response -> response.getGroups(0).getErrorCode());
    }

    public CompletableFuture<io.tributary.proto.v1.DeleteGroupsResponse> delete() {
        io.tributary.proto.v1.DeleteGroupsRequest request = io.tributary.proto.v1.DeleteGroupsRequest.newBuilder()
                .addGroupIds(groupId).build();
        return send((stub, observer) -> stub.deleteGroups(request, observer), "DeleteGroups",
                response -> response.getGroups(0).getErrorCode());
    }

    private interface Call<T> {
        void invoke(TributaryGrpc.TributaryStub stub, io.grpc.stub.StreamObserver<T> observer);
    }

    private <T> CompletableFuture<T> send(Call<T> call, String what, Function<T, ErrorCode> errorOf) {
        return coordinator().thenCompose(address -> Rpc.<T>call(observer -> call.invoke(
                        channels.stub(address).withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS), observer))
                .handle((response, failure) -> {
                    if (failure != null) {
                        forget(address);
                        throw Rpc.transportFailure(failure, what + " to " + address);
                    }
                    if (Errors.needsCoordinatorLookup(errorOf.apply(response))) {
                        forget(address);
                    }
                    return response;
                }));
    }

    /** The coordinator's address, found first if need be (fails with a retriable exception while there is none). */
    private synchronized CompletableFuture<BrokerAddress> coordinator() {
        BrokerAddress known = coordinator;
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        if (lookup != null && !lookup.isDone()) {
            return lookup;
        }
        List<BrokerAddress> brokers = new ArrayList<>(metadata.cluster().brokers().values());
        if (brokers.isEmpty()) {
            brokers = bootstrap;
        }
        BrokerAddress asked = brokers.get(Math.floorMod(nextBroker++, brokers.size()));
        FindCoordinatorRequest request = FindCoordinatorRequest.newBuilder().addKeys(groupId).build();
        lookup = Rpc.<FindCoordinatorResponse>call(o -> channels.stub(asked)
                        .withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS).findCoordinator(request, o))
                .handle((response, failure) -> {
                    if (failure != null) {
                        throw Rpc.transportFailure(failure, "FindCoordinator to " + asked);
                    }
                    Coordinator found = response.getCoordinators(0);
                    if (found.getErrorCode() != ErrorCode.NONE) {
                        throw TributaryException.forCode(found.getErrorCode(), "no coordinator for group " + groupId
                                + (found.getErrorMessage().isEmpty() ? "" : ": " + found.getErrorMessage()));
                    }
                    BrokerAddress address = new BrokerAddress(found.getHost(), found.getPort());
                    coordinator = address;
                    return address;
                });
        return lookup;
    }

    private void forget(BrokerAddress address) {
        synchronized (this) {
            if (address.equals(coordinator)) {
                coordinator = null;
            }
        }
    }
}
