package io.tributary.broker.kafka;

import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.proto.v1.DeleteRecordsPartition;
import io.tributary.proto.v1.DeleteRecordsPartitionResponse;
import io.tributary.proto.v1.DeleteRecordsRequest;
import io.tributary.proto.v1.DeleteRecordsResponse;
import io.tributary.proto.v1.DeleteRecordsTopic;
import io.tributary.proto.v1.DeleteRecordsTopicResponse;
import io.tributary.proto.v1.EpochEndOffsetResult;
import io.tributary.proto.v1.OffsetForLeaderPartition;
import io.tributary.proto.v1.OffsetForLeaderTopic;
import io.tributary.proto.v1.OffsetForLeaderTopicResult;
import io.tributary.proto.v1.OffsetsForLeaderEpochRequest;
import io.tributary.proto.v1.OffsetsForLeaderEpochResponse;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;

/**
 * Kafka OffsetForLeaderEpoch (a consumer checking its position after a leader change, KIP-320) and
 * DeleteRecords (trimming a log's start) as the API's.
 */
final class PartitionsApi {
    private final TributaryGrpcService api;

    PartitionsApi(TributaryGrpcService api) {
        this.api = api;
    }

    CompletableFuture<OffsetForLeaderEpochResponseData> offsetsForLeaderEpoch(OffsetForLeaderEpochRequestData request) {
        OffsetsForLeaderEpochRequest.Builder out = OffsetsForLeaderEpochRequest.newBuilder().setReplicaId(request.replicaId());
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : request.topics()) {
            OffsetForLeaderTopic.Builder t = OffsetForLeaderTopic.newBuilder().setTopic(topic.topic());
            topic.partitions().forEach(p -> t.addPartitions(OffsetForLeaderPartition.newBuilder().setPartition(p.partition())
                    .setCurrentLeaderEpoch(p.currentLeaderEpoch()).setLeaderEpoch(p.leaderEpoch())));
            out.addTopics(t);
        }
        Answer<OffsetsForLeaderEpochResponse> answer = new Answer<>();
        api.offsetsForLeaderEpoch(out.build(), answer);
        return answer.future().thenApply(ours -> {
            OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
            for (OffsetForLeaderTopicResult topic : ours.getTopicsList()) {
                OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult t =
                        new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(topic.getTopic());
                for (EpochEndOffsetResult p : topic.getPartitionsList()) {
                    t.partitions().add(new OffsetForLeaderEpochResponseData.EpochEndOffset().setPartition(p.getPartition())
                            .setErrorCode(KafkaErrors.code(p.getErrorCode())).setLeaderEpoch(p.getLeaderEpoch())
                            .setEndOffset(p.getEndOffset()));
                }
                response.topics().add(t);
            }
            return response;
        });
    }

    CompletableFuture<DeleteRecordsResponseData> deleteRecords(DeleteRecordsRequestData request) {
        DeleteRecordsRequest.Builder out = DeleteRecordsRequest.newBuilder();
        for (DeleteRecordsRequestData.DeleteRecordsTopic topic : request.topics()) {
            DeleteRecordsTopic.Builder t = DeleteRecordsTopic.newBuilder().setTopic(topic.name());
            topic.partitions().forEach(p -> t.addPartitions(DeleteRecordsPartition.newBuilder()
                    .setPartition(p.partitionIndex()).setOffset(p.offset())));
            out.addTopics(t);
        }
        Answer<DeleteRecordsResponse> answer = new Answer<>();
        api.deleteRecords(out.build(), answer);
        return answer.future().thenApply(ours -> {
            DeleteRecordsResponseData response = new DeleteRecordsResponseData();
            for (DeleteRecordsTopicResponse topic : ours.getTopicsList()) {
                DeleteRecordsResponseData.DeleteRecordsTopicResult t =
                        new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(topic.getTopic());
                for (DeleteRecordsPartitionResponse p : topic.getPartitionsList()) {
                    t.partitions().add(new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                            .setPartitionIndex(p.getPartition()).setLowWatermark(p.getLowWatermark())
                            .setErrorCode(KafkaErrors.code(p.getErrorCode())));
                }
                response.topics().add(t);
            }
            return response;
        });
    }
}
