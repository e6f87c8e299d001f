package io.tributary.broker.server;

import io.grpc.stub.StreamObserver;
import io.tributary.broker.partition.Partition;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.EpochEndOffsetResult;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.OffsetForLeaderPartition;
import io.tributary.proto.v1.OffsetForLeaderTopic;
import io.tributary.proto.v1.OffsetForLeaderTopicResult;
import io.tributary.proto.v1.OffsetsForLeaderEpochRequest;
import io.tributary.proto.v1.OffsetsForLeaderEpochResponse;
import io.tributary.replication.EpochEndOffset;
import java.util.Optional;

/**
 * OffsetsForLeaderEpoch: a follower asks where an epoch ends on this leader's log, to truncate
 * what it wrote in an epoch the leader does not share. Answered only by the leader at the
 * follower's current leader epoch, so the answer comes from the log the follower will fetch.
 */
final class OffsetsForLeaderEpochHandler {
    private final BrokerContext context;

    OffsetsForLeaderEpochHandler(BrokerContext context) {
        this.context = context;
    }

    void handle(OffsetsForLeaderEpochRequest request, StreamObserver<OffsetsForLeaderEpochResponse> observer) {
        OffsetsForLeaderEpochResponse.Builder response = OffsetsForLeaderEpochResponse.newBuilder();
        for (OffsetForLeaderTopic topic : request.getTopicsList()) {
            OffsetForLeaderTopicResult.Builder topicResult = OffsetForLeaderTopicResult.newBuilder()
                    .setTopic(topic.getTopic());
            for (OffsetForLeaderPartition p : topic.getPartitionsList()) {
                topicResult.addPartitions(answer(new TopicPartition(topic.getTopic(), p.getPartition()), p));
            }
            response.addTopics(topicResult);
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    private EpochEndOffsetResult answer(TopicPartition tp, OffsetForLeaderPartition p) {
        EpochEndOffsetResult.Builder result = EpochEndOffsetResult.newBuilder().setPartition(p.getPartition())
                .setLeaderEpoch(EpochEndOffset.UNDEFINED_EPOCH).setEndOffset(EpochEndOffset.UNDEFINED_OFFSET);
        Optional<Partition> found = context.partitions().partition(tp);
        if (found.isEmpty()) {
            return result.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("unknown partition " + tp)
                    .build();
        }
        Partition partition = found.get();
        if (p.getCurrentLeaderEpoch() != partition.leaderEpoch()) {
            return result.setErrorCode(p.getCurrentLeaderEpoch() < partition.leaderEpoch()
                            ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH)
                    .setErrorMessage(tp + " is at leader epoch " + partition.leaderEpoch() + ", the request at "
                            + p.getCurrentLeaderEpoch()).build();
        }
        if (!partition.isLeader()) {
            return result.setErrorCode(ErrorCode.NOT_LEADER_OR_FOLLOWER).setErrorMessage("node " + context.nodeId()
                    + " does not lead " + tp).build();
        }
        EpochEndOffset end = partition.endOffsetForEpoch(p.getLeaderEpoch());
        return result.setErrorCode(ErrorCode.NONE).setLeaderEpoch(end.epoch()).setEndOffset(end.endOffset())
                .setLogStartOffset(partition.log().logStartOffset()).build();
    }
}
