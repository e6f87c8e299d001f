package io.tributary.broker.server;

import io.grpc.stub.StreamObserver;
import io.tributary.broker.partition.Partition;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.DeleteRecordsPartition;
import io.tributary.proto.v1.DeleteRecordsPartitionResponse;
import io.tributary.proto.v1.DeleteRecordsRequest;
import io.tributary.proto.v1.DeleteRecordsResponse;
import io.tributary.proto.v1.DeleteRecordsTopic;
import io.tributary.proto.v1.DeleteRecordsTopicResponse;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.replication.DeleteRecordsResult;
import java.util.Optional;

/**
 * DeleteRecords: moves each named partition's log start offset up on its leader. Runs on the
 * completion executor, never on a network thread: it deletes files and makes a synced write.
 */
final class DeleteRecordsHandler {
    private final BrokerContext context;

    DeleteRecordsHandler(BrokerContext context) {
        this.context = context;
    }

    void handle(DeleteRecordsRequest request, StreamObserver<DeleteRecordsResponse> responseObserver) {
        context.completionExecutor().execute(() -> {
            DeleteRecordsResponse.Builder response = DeleteRecordsResponse.newBuilder();
            for (DeleteRecordsTopic topic : request.getTopicsList()) {
                DeleteRecordsTopicResponse.Builder topicResponse = DeleteRecordsTopicResponse.newBuilder().setTopic(topic.getTopic());
                for (DeleteRecordsPartition p : topic.getPartitionsList()) {
                    topicResponse.addPartitions(deleteRecords(new TopicPartition(topic.getTopic(), p.getPartition()), p.getOffset()));
                }
                response.addTopics(topicResponse);
            }
            responseObserver.onNext(response.build());
            responseObserver.onCompleted();
        });
    }

    private DeleteRecordsPartitionResponse deleteRecords(TopicPartition tp, long offset) {
        DeleteRecordsPartitionResponse.Builder response = DeleteRecordsPartitionResponse.newBuilder()
                .setPartition(tp.partition()).setLowWatermark(-1);
        if (!context.serving().isOpen()) {
            return response.setErrorCode(ErrorCode.BROKER_NOT_AVAILABLE)
                    .setErrorMessage(context.serving().refusal(context.nodeId())).build();
        }
        Optional<Partition> found = context.partitions().partition(tp);
        if (found.isEmpty()) {
            return response.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                    .setErrorMessage("unknown topic or partition " + tp).build();
        }
        Partition partition = found.get();
        try {
            DeleteRecordsResult result = partition.deleteRecords(offset);
            if (result.error() == ErrorCode.NOT_LEADER_OR_FOLLOWER) {
                response.setCurrentLeader(context.leaderHint(partition.leaderId(), partition.leaderEpoch()));
            }
            if (result.error() != ErrorCode.NONE) {
                response.setErrorMessage(tp + ": " + result.message());
            }
            return response.setErrorCode(result.error()).setLowWatermark(result.logStartOffset()).build();
        } catch (RuntimeException e) { // a storage failure
            return response.setErrorCode(ErrorMapping.codeFor(e)).setErrorMessage(ErrorMapping.messageFor(e)).build();
        }
    }
}
