package io.tributary.broker.server;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.tributary.proto.v1.AlterConfigsRequest;
import io.tributary.proto.v1.AlterConfigsResponse;
import io.tributary.proto.v1.DescribeClusterRequest;
import io.tributary.proto.v1.DescribeClusterResponse;
import io.tributary.proto.v1.ElectLeadersRequest;
import io.tributary.proto.v1.ElectLeadersResponse;
import io.tributary.proto.v1.CreateTopicsRequest;
import io.tributary.proto.v1.CreateTopicsResponse;
import io.tributary.proto.v1.DeleteTopicsRequest;
import io.tributary.proto.v1.DeleteTopicsResponse;
import io.tributary.proto.v1.DescribeTopicsRequest;
import io.tributary.proto.v1.DescribeTopicsResponse;
import io.tributary.proto.v1.FetchRequest;
import io.tributary.proto.v1.FetchResponse;
import io.tributary.proto.v1.ListOffsetsRequest;
import io.tributary.proto.v1.ListOffsetsResponse;
import io.tributary.proto.v1.MetadataRequest;
import io.tributary.proto.v1.MetadataResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.ProduceResponse;
import io.tributary.proto.v1.TributaryGrpc;

/**
 * The client API's gRPC binding (and the broker-to-broker OffsetsForLeaderEpoch): one handler per
 * RPC. The Kafka-protocol listener calls the same methods, translating each Kafka request into the
 * API's own and the answer back ({@code io.tributary.broker.kafka}).
 */
public final class TributaryGrpcService extends TributaryGrpc.TributaryImplBase {
    private final ProduceHandler produce;
    private final FetchHandler fetch;
    private final ListOffsetsHandler listOffsets;
    private final DeleteRecordsHandler deleteRecords;
    private final MetadataHandler metadata;
    private final TopicAdminHandler topicAdmin;
    private final ClusterHandler cluster;
    private final ProducerIdHandler producerIds;
    private final OffsetsForLeaderEpochHandler offsetsForLeaderEpoch;
    private final GroupHandler groups;

    TributaryGrpcService(BrokerContext context, java.util.function.LongSupplier brokerEpoch,
                         io.tributary.broker.coordinator.GroupCoordinatorRuntime coordinator,
                         io.tributary.broker.config.NodeConfig.Groups groupSettings) {
        this.produce = new ProduceHandler(context);
        this.fetch = new FetchHandler(context);
        this.listOffsets = new ListOffsetsHandler(context);
        this.deleteRecords = new DeleteRecordsHandler(context);
        this.metadata = new MetadataHandler(context);
        this.topicAdmin = new TopicAdminHandler(context);
        this.cluster = new ClusterHandler(context);
        this.producerIds = new ProducerIdHandler(context, brokerEpoch);
        this.offsetsForLeaderEpoch = new OffsetsForLeaderEpochHandler(context);
        this.groups = new GroupHandler(context, coordinator, groupSettings);
    }

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> responseObserver) {
        produce.handle(request, responseObserver);
    }

    /**
     * The generated binding, but Fetch answers with a {@link FetchReply} through its own marshaller:
     * the same FetchResponse bytes on the wire, with the records copied from the segment files as
     * they are sent (the generated {@code fetch} method is never bound). Register this, not the
     * service itself ({@code bindService} is final in the generated base).
     */
    ServerServiceDefinition definition() {
        ServerServiceDefinition generated = bindService();
        MethodDescriptor<FetchRequest, FetchResponse> generatedFetch = TributaryGrpc.getFetchMethod();
        MethodDescriptor<FetchRequest, FetchReply> fetchMethod = generatedFetch.toBuilder(
                generatedFetch.getRequestMarshaller(), new FetchReplyMarshaller()).build();
        ServiceDescriptor generatedService = generated.getServiceDescriptor();
        ServiceDescriptor.Builder service = ServiceDescriptor.newBuilder(generatedService.getName())
                .setSchemaDescriptor(generatedService.getSchemaDescriptor());
        for (MethodDescriptor<?, ?> method : generatedService.getMethods()) {
            service.addMethod(method == generatedFetch ? fetchMethod : method);
        }
        ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(service.build());
        for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
            if (method.getMethodDescriptor() != generatedFetch) {
                definition.addMethod(method);
            }
        }
        definition.addMethod(fetchMethod, ServerCalls.asyncUnaryCall(fetch::handle));
        return definition.build();
    }

    /** Fetch with the records left in the log files until the reply is written ({@link FetchReply}). */
    public void fetchReply(FetchRequest request, StreamObserver<FetchReply> responseObserver) {
        fetch.handle(request, responseObserver);
    }

    @Override
    public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> responseObserver) {
        listOffsets.handle(request, responseObserver);
    }

    @Override
    public void deleteRecords(io.tributary.proto.v1.DeleteRecordsRequest request,
                              StreamObserver<io.tributary.proto.v1.DeleteRecordsResponse> responseObserver) {
        deleteRecords.handle(request, responseObserver);
    }

    @Override
    public void metadata(MetadataRequest request, StreamObserver<MetadataResponse> responseObserver) {
        metadata.handleMetadata(request, responseObserver);
    }

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> responseObserver) {
        topicAdmin.handleCreateTopics(request, responseObserver);
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> responseObserver) {
        topicAdmin.handleDeleteTopics(request, responseObserver);
    }

    @Override
    public void createPartitions(io.tributary.proto.v1.CreatePartitionsRequest request,
                                 StreamObserver<io.tributary.proto.v1.CreatePartitionsResponse> responseObserver) {
        topicAdmin.handleCreatePartitions(request, responseObserver);
    }

    @Override
    public void describeTopics(DescribeTopicsRequest request, StreamObserver<DescribeTopicsResponse> responseObserver) {
        metadata.handleDescribeTopics(request, responseObserver);
    }

    @Override
    public void alterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> responseObserver) {
        cluster.handleAlterConfigs(request, responseObserver);
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> responseObserver) {
        cluster.handleDescribeCluster(request, responseObserver);
    }

    @Override
    public void electLeaders(ElectLeadersRequest request, StreamObserver<ElectLeadersResponse> responseObserver) {
        cluster.handleElectLeaders(request, responseObserver);
    }

    @Override
    public void initProducerId(io.tributary.proto.v1.InitProducerIdRequest request,
                               StreamObserver<io.tributary.proto.v1.InitProducerIdResponse> responseObserver) {
        producerIds.handle(request, responseObserver);
    }

    @Override
    public void offsetsForLeaderEpoch(io.tributary.proto.v1.OffsetsForLeaderEpochRequest request,
                                      StreamObserver<io.tributary.proto.v1.OffsetsForLeaderEpochResponse> responseObserver) {
        offsetsForLeaderEpoch.handle(request, responseObserver);
    }

    @Override
    public void findCoordinator(io.tributary.proto.v1.FindCoordinatorRequest request,
                                StreamObserver<io.tributary.proto.v1.FindCoordinatorResponse> responseObserver) {
        groups.findCoordinator(request, responseObserver);
    }

    @Override
    public void consumerGroupHeartbeat(io.tributary.proto.v1.ConsumerGroupHeartbeatRequest request,
                                       StreamObserver<io.tributary.proto.v1.ConsumerGroupHeartbeatResponse> responseObserver) {
        groups.heartbeat(request, responseObserver);
    }

    @Override
    public void offsetCommit(io.tributary.proto.v1.OffsetCommitRequest request,
                             StreamObserver<io.tributary.proto.v1.OffsetCommitResponse> responseObserver) {
        groups.commitOffsets(request, responseObserver);
    }

    @Override
    public void offsetFetch(io.tributary.proto.v1.OffsetFetchRequest request,
                            StreamObserver<io.tributary.proto.v1.OffsetFetchResponse> responseObserver) {
        groups.fetchOffsets(request, responseObserver);
    }

    @Override
    public void describeGroups(io.tributary.proto.v1.DescribeGroupsRequest request,
                               StreamObserver<io.tributary.proto.v1.DescribeGroupsResponse> responseObserver) {
        groups.describeGroups(request, responseObserver);
    }

    @Override
    public void deleteGroups(io.tributary.proto.v1.DeleteGroupsRequest request,
                             StreamObserver<io.tributary.proto.v1.DeleteGroupsResponse> responseObserver) {
        groups.deleteGroups(request, responseObserver);
    }

    @Override
    public void listGroups(io.tributary.proto.v1.ListGroupsRequest request,
                           StreamObserver<io.tributary.proto.v1.ListGroupsResponse> responseObserver) {
        groups.listGroups(request, responseObserver);
    }
}
