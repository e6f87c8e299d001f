package io.tributary.broker.server;

import io.grpc.stub.StreamObserver;
import io.tributary.broker.partition.Partition;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.ListOffsetsPartition;
import io.tributary.proto.v1.ListOffsetsPartitionResponse;
import io.tributary.proto.v1.ListOffsetsRequest;
import io.tributary.proto.v1.ListOffsetsResponse;
import io.tributary.proto.v1.ListOffsetsTopic;
import io.tributary.proto.v1.ListOffsetsTopicResponse;
import java.util.Optional;

/** ListOffsets: earliest (-2), latest (-1, the high watermark) or the first offset at a timestamp. */
final class ListOffsetsHandler {
    static final long EARLIEST = -2L;
    static final long LATEST = -1L;

    private final BrokerContext context;

    ListOffsetsHandler(BrokerContext context) {
        this.context = context;
    }

    void handle(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> responseObserver) {
        ListOffsetsResponse.Builder response = ListOffsetsResponse.newBuilder();
        for (ListOffsetsTopic topic : request.getTopicsList()) {
            ListOffsetsTopicResponse.Builder topicResponse = ListOffsetsTopicResponse.newBuilder().setTopic(topic.getTopic());
            for (ListOffsetsPartition lp : topic.getPartitionsList()) {
                topicResponse.addPartitions(listOffset(new TopicPartition(topic.getTopic(), lp.getPartition()), lp.getTimestamp()));
            }
            response.addTopics(topicResponse);
        }
        responseObserver.onNext(response.build());
        responseObserver.onCompleted();
    }

    private ListOffsetsPartitionResponse listOffset(TopicPartition tp, long timestamp) {
        ListOffsetsPartitionResponse.Builder response = ListOffsetsPartitionResponse.newBuilder()
                .setPartition(tp.partition()).setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1);
        if (!context.serving().isOpen()) {
            return response.setErrorCode(ErrorCode.BROKER_NOT_AVAILABLE).setErrorMessage(context.serving().refusal(context.nodeId()))
                    .build();
        }
        Optional<Partition> found = context.partitions().partition(tp);
        if (found.isEmpty()) {
            return response.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                    .setErrorMessage("unknown topic or partition " + tp).build();
        }
        Partition partition = found.get();
        if (partition.leaderId() != context.nodeId()) {
            return response.setErrorCode(ErrorCode.NOT_LEADER_OR_FOLLOWER)
                    .setErrorMessage("node " + context.nodeId() + " does not lead " + tp).build();
        }
        response.setLeaderEpoch(partition.leaderEpoch());
        if (timestamp < EARLIEST) {
            return response.setErrorCode(ErrorCode.INVALID_REQUEST)
                    .setErrorMessage("timestamp must be -2 (earliest), -1 (latest) or >= 0, got " + timestamp).build();
        }
        try {
            long highWatermark = partition.highWatermark();
            long offset;
            if (timestamp == EARLIEST) {
                offset = partition.log().logStartOffset();
            } else if (timestamp == LATEST) {
                offset = highWatermark;
            } else {
                offset = partition.log().offsetForTimestamp(timestamp);
                if (offset >= highWatermark) {
                    offset = -1; // not yet visible to consumers
                }
            }
            return response.setErrorCode(ErrorCode.NONE).setOffset(offset).build();
        } catch (RuntimeException e) {
            return response.setErrorCode(ErrorMapping.codeFor(e)).setErrorMessage(ErrorMapping.messageFor(e)).build();
        }
    }
}
