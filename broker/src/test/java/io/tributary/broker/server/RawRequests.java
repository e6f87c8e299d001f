package io.tributary.broker.server;

import com.google.protobuf.ByteString;
import io.tributary.proto.v1.FetchPartition;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.FetchRequest;
import io.tributary.proto.v1.FetchTopic;
import io.tributary.proto.v1.ListOffsetsPartition;
import io.tributary.proto.v1.ListOffsetsPartitionResponse;
import io.tributary.proto.v1.ListOffsetsRequest;
import io.tributary.proto.v1.ListOffsetsTopic;
import io.tributary.proto.v1.PartitionProduceData;
import io.tributary.proto.v1.PartitionProduceResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.TopicProduceData;
import io.tributary.proto.v1.TributaryGrpc;
import java.nio.ByteBuffer;

/** Single-partition requests over the wire, for tests that send batches the SDK would never build. */
final class RawRequests {
    private final TributaryGrpc.TributaryBlockingStub stub;

    RawRequests(TributaryGrpc.TributaryBlockingStub stub) {
        this.stub = stub;
    }

    /** An acks=all produce of {@code records} (as they are: any bytes) to one partition. */
    PartitionProduceResponse produce(String topic, int partition, ByteBuffer records) {
        ProduceRequest request = ProduceRequest.newBuilder().setAcks(-1).addTopics(TopicProduceData.newBuilder()
                .setTopic(topic).addPartitions(PartitionProduceData.newBuilder().setPartition(partition)
                        .setRecords(ByteString.copyFrom(records.duplicate())))).build();
        return stub.produce(request).getTopics(0).getPartitions(0);
    }

    /** A fetch of up to 1 MiB from {@code offset} that does not wait; epoch -1 skips the epoch check. */
    FetchPartitionResponse fetch(String topic, int partition, long offset, int currentLeaderEpoch) {
        FetchRequest request = FetchRequest.newBuilder().setMaxWaitMs(0).setMaxBytes(1 << 20)
                .addTopics(FetchTopic.newBuilder().setTopic(topic).addPartitions(FetchPartition.newBuilder()
                        .setPartition(partition).setFetchOffset(offset).setPartitionMaxBytes(1 << 20)
                        .setCurrentLeaderEpoch(currentLeaderEpoch)))
                .build();
        return stub.fetch(request).getTopics(0).getPartitions(0);
    }

    /** ListOffsets for a timestamp, or -1 (latest) / -2 (earliest). */
    ListOffsetsPartitionResponse listOffset(String topic, int partition, long timestamp) {
        return stub.listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder().setTopic(topic)
                .addPartitions(ListOffsetsPartition.newBuilder().setPartition(partition).setTimestamp(timestamp))).build())
                .getTopics(0).getPartitions(0);
    }
}
