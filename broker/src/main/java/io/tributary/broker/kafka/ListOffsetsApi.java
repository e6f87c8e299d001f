package io.tributary.broker.kafka;

import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.proto.v1.IsolationLevel;
import io.tributary.proto.v1.ListOffsetsPartition;
import io.tributary.proto.v1.ListOffsetsPartitionResponse;
import io.tributary.proto.v1.ListOffsetsRequest;
import io.tributary.proto.v1.ListOffsetsResponse;
import io.tributary.proto.v1.ListOffsetsTopic;
import io.tributary.proto.v1.ListOffsetsTopicResponse;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;

/** Kafka ListOffsets (v1+) as the API's: the same special timestamps (-1 latest, -2 earliest, -3 max timestamp). */
final class ListOffsetsApi {
    private static final int LEADER_EPOCH_VERSION = 4;

    private final TributaryGrpcService api;

    ListOffsetsApi(TributaryGrpcService api) {
        this.api = api;
    }

    CompletableFuture<ListOffsetsResponseData> handle(ListOffsetsRequestData request, short version) {
        ListOffsetsRequest.Builder out = ListOffsetsRequest.newBuilder()
                .setIsolationLevel(request.isolationLevel() == 1 ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED);
        for (ListOffsetsRequestData.ListOffsetsTopic topic : request.topics()) {
            ListOffsetsTopic.Builder t = ListOffsetsTopic.newBuilder().setTopic(topic.name());
            topic.partitions().forEach(p -> t.addPartitions(ListOffsetsPartition.newBuilder()
                    .setPartition(p.partitionIndex()).setTimestamp(p.timestamp())));
            out.addTopics(t);
        }
        Answer<ListOffsetsResponse> answer = new Answer<>();
        api.listOffsets(out.build(), answer);
        return answer.future().thenApply(ours -> translate(ours, version));
    }

    private static ListOffsetsResponseData translate(ListOffsetsResponse ours, short version) {
        ListOffsetsResponseData out = new ListOffsetsResponseData();
        for (ListOffsetsTopicResponse topic : ours.getTopicsList()) {
            ListOffsetsResponseData.ListOffsetsTopicResponse t = new ListOffsetsResponseData.ListOffsetsTopicResponse()
                    .setName(topic.getTopic());
            for (ListOffsetsPartitionResponse p : topic.getPartitionsList()) {
                t.partitions().add(new ListOffsetsResponseData.ListOffsetsPartitionResponse().setPartitionIndex(p.getPartition())
                        .setErrorCode(KafkaErrors.code(p.getErrorCode())).setOffset(p.getOffset())
                        .setTimestamp(p.getTimestamp()).setLeaderEpoch(version >= LEADER_EPOCH_VERSION ? p.getLeaderEpoch() : -1));
            }
            out.topics().add(t);
        }
        return out;
    }
}
