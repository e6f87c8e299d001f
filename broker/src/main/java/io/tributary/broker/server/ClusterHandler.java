package io.tributary.broker.server;

import io.grpc.stub.StreamObserver;
import io.tributary.metadata.BrokerRegistration;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.PartitionRegistration;
import io.tributary.metadata.QuorumStatus;
import io.tributary.metadata.TopicImage;
import io.tributary.metadata.VoterStatus;
import io.tributary.proto.metadata.v1.AlterConfigsCommand;
import io.tributary.proto.metadata.v1.ElectPreferredLeadersCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.v1.AlterConfigsRequest;
import io.tributary.proto.v1.AlterConfigsResponse;
import io.tributary.proto.v1.BrokerState;
import io.tributary.proto.v1.DescribeClusterRequest;
import io.tributary.proto.v1.DescribeClusterResponse;
import io.tributary.proto.v1.ElectLeadersRequest;
import io.tributary.proto.v1.ElectLeadersResponse;
import io.tributary.proto.v1.QuorumVoter;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** DescribeCluster, AlterConfigs and ElectLeaders: cluster-level operations on the metadata quorum. */
final class ClusterHandler {
    private final BrokerContext context;

    ClusterHandler(BrokerContext context) {
        this.context = context;
    }

    void handleDescribeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> observer) {
        MetadataImage image = context.image();
        QuorumStatus quorum = context.quorum().describeQuorum();
        DescribeClusterResponse.Builder response = DescribeClusterResponse.newBuilder()
                .setClusterId(image.clusterId() == null ? "" : image.clusterId())
                .setControllerId(quorum.leaderId().orElse(-1)).setLeaderTerm(quorum.term())
                .setCommitIndex(quorum.commitIndex()).setAnsweredBy(context.nodeId())
                .setMetadataVersion(image.version());
        for (VoterStatus voter : quorum.voters()) {
            response.addVoters(QuorumVoter.newBuilder().setNodeId(voter.id()).setHost(voter.host())
                    .setPort(voter.port()).setMatchIndex(voter.matchIndex())
                    .setLag(voter.matchIndex() < 0 ? -1 : voter.lag())); // unknown match: unknown lag
        }
        Map<Integer, Integer> leaderships = new HashMap<>();
        for (TopicImage topic : image.topicsByName().values()) {
            for (PartitionRegistration partition : topic.partitions().values()) {
                leaderships.merge(partition.leader(), 1, Integer::sum);
            }
        }
        for (BrokerRegistration broker : new TreeMap<>(image.brokers()).values()) {
            BrokerState.Builder state = BrokerState.newBuilder().setNodeId(broker.brokerId())
                    .setBrokerEpoch(broker.brokerEpoch()).setIncarnationId(broker.incarnationId())
                    .setFenced(broker.fenced()).setInControlledShutdown(broker.inControlledShutdown())
                    .setLeaderships(leaderships.getOrDefault(broker.brokerId(), 0));
            context.endpointOf(broker).ifPresent(endpoint -> state.setHost(endpoint.host()).setPort(endpoint.port()));
            response.addBrokers(state);
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    void handleAlterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> observer) {
        MetadataCommand command = MetadataCommand.newBuilder().setAlterConfigs(AlterConfigsCommand.newBuilder()
                .setTopic(request.getTopic()).putAllSet(request.getSetMap()).addAllDelete(request.getDeleteList())
                .setValidateOnly(request.getValidateOnly())).build();
        context.quorum().submit(command).orTimeout(BrokerContext.DEFAULT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .whenComplete((result, error) -> {
                    AlterConfigsResponse.Builder response = AlterConfigsResponse.newBuilder();
                    if (error != null) {
                        response.setErrorCode(ErrorMapping.codeFor(error)).setErrorMessage(ErrorMapping.messageFor(error));
                    } else {
                        response.setErrorCode(ErrorMapping.codeOf(result)).setErrorMessage(result.getErrorMessage());
                    }
                    observer.onNext(response.build());
                    observer.onCompleted();
                });
    }

    void handleElectLeaders(ElectLeadersRequest request, StreamObserver<ElectLeadersResponse> observer) {
        MetadataImage before = context.image();
        MetadataCommand command = MetadataCommand.newBuilder().setElectPreferredLeaders(
                ElectPreferredLeadersCommand.newBuilder().addAllTopics(request.getTopicsList())).build();
        context.quorum().submit(command).orTimeout(BrokerContext.DEFAULT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .whenComplete((result, error) -> {
                    ElectLeadersResponse.Builder response = ElectLeadersResponse.newBuilder();
                    if (error != null) {
                        response.setErrorCode(ErrorMapping.codeFor(error)).setErrorMessage(ErrorMapping.messageFor(error));
                    } else {
                        response.setErrorCode(ErrorMapping.codeOf(result)).setErrorMessage(result.getErrorMessage())
                                .setChangedPartitions(changedLeaders(before, context.image()));
                    }
                    observer.onNext(response.build());
                    observer.onCompleted();
                });
    }

    private static int changedLeaders(MetadataImage before, MetadataImage after) {
        int changed = 0;
        for (TopicImage topic : after.topicsByName().values()) {
            TopicImage old = before.topicsByName().get(topic.name());
            if (old == null || !old.topicId().equals(topic.topicId())) {
                continue;
            }
            for (PartitionRegistration partition : topic.partitions().values()) {
                PartitionRegistration previous = old.partitions().get(partition.partition());
                if (previous != null && previous.leader() != partition.leader()) {
                    changed++;
                }
            }
        }
        return changed;
    }
}
