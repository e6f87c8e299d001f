package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.broker.config.NodeConfig;
import io.tributary.proto.v1.CreateTopicsRequest;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.InitProducerIdRequest;
import io.tributary.proto.v1.InitProducerIdResponse;
import io.tributary.proto.v1.FetchPartition;
import io.tributary.proto.v1.FetchRequest;
import io.tributary.proto.v1.FetchTopic;
import io.tributary.proto.v1.NewTopic;
import io.tributary.proto.v1.PartitionProduceData;
import io.tributary.proto.v1.PartitionProduceResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.TopicProduceData;
import io.tributary.proto.v1.TributaryGrpc;
import io.tributary.record.Record;
import io.tributary.record.RecordBatchBuilder;
import io.tributary.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader enforces idempotent producers' sequences: a retried batch is answered with its
 * original offset and not appended again (also after a restart, from state rebuilt from the log),
 * a gap or a fenced epoch is refused, and nothing of a refused request is appended.
 */
class IdempotentProduceTest {
    private static final String TOPIC = "exactly-once";
    private static final long PRODUCER = 4242;

    @TempDir
    Path dataDir;

    @Test
    void retriesAreAnsweredWithTheOriginalOffsetAndGapsAreRefused() throws Exception {
        try (BrokerNode node = BrokerNode.start(NodeConfig.ephemeral(dataDir))) {
            withStub(node, stub -> {
                assertThat(stub.createTopics(CreateTopicsRequest.newBuilder().addTopics(NewTopic.newBuilder()
                        .setName(TOPIC).setNumPartitions(1)).build()).getTopics(0).getErrorCode()).isEqualTo(ErrorCode.NONE);
                assertThat(produce(stub, batch(0, 0, 3)).getBaseOffset()).isEqualTo(0);
                assertThat(produce(stub, batch(0, 3, 2)).getBaseOffset()).isEqualTo(3);

                PartitionProduceResponse retry = produce(stub, batch(0, 0, 3));
                assertThat(retry.getErrorCode()).isEqualTo(ErrorCode.NONE);
                assertThat(retry.getBaseOffset()).as("a retry gets the original offset").isEqualTo(0);

                assertThat(produce(stub, batch(0, 7, 1)).getErrorCode()).isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
                assertThat(produce(stub, both(batch(0, 5, 1), batch(0, 9, 1))).getErrorCode())
                        .as("a gap inside one request refuses all of it").isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
                assertThat(produce(stub, both(batch(0, 5, 1), batch(0, 6, 2))).getBaseOffset())
                        .as("consecutive batches in one request").isEqualTo(5);
                assertThat(readAll(stub)).hasSize(8);
            });
        }
        try (BrokerNode restarted = BrokerNode.start(NodeConfig.ephemeral(dataDir))) {
            withStub(restarted, stub -> {
                assertThat(produce(stub, batch(0, 6, 2)).getBaseOffset())
                        .as("state rebuilt from the log recognises the retry").isEqualTo(6);
                assertThat(produce(stub, batch(1, 0, 1)).getBaseOffset()).as("a new epoch restarts at 0").isEqualTo(8);
                assertThat(produce(stub, batch(0, 8, 1)).getErrorCode()).as("the old epoch is fenced")
                        .isEqualTo(ErrorCode.INVALID_PRODUCER_EPOCH);
                List<Record> log = readAll(stub);
                assertThat(log).hasSize(9);
                assertThat(log).extracting(r -> new String(r.value())).doesNotHaveDuplicates();
            });
        }
    }

    @Test
    void producerIdsAreUniqueAcrossCallsAndRestarts() throws Exception {
        java.util.Set<Long> ids = new java.util.HashSet<>();
        for (int start = 0; start < 2; start++) {
            try (BrokerNode node = BrokerNode.start(NodeConfig.ephemeral(dataDir))) {
                withStub(node, stub -> {
                    for (int i = 0; i < 3; i++) {
                        InitProducerIdResponse response = stub.initProducerId(InitProducerIdRequest.getDefaultInstance());
                        assertThat(response.getErrorCode()).isEqualTo(ErrorCode.NONE);
                        assertThat(response.getProducerEpoch()).isZero();
                        assertThat(ids.add(response.getProducerId())).as("id %d handed out once", response.getProducerId())
                                .isTrue();
                    }
                    assertThat(stub.initProducerId(InitProducerIdRequest.newBuilder().setTransactionalId("tx").build())
                            .getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
                });
            }
        }
        assertThat(ids).hasSize(6).allSatisfy(id -> assertThat(id).isNotNegative());
    }

    private interface StubAction {
        void run(TributaryGrpc.TributaryBlockingStub stub) throws Exception;
    }

    private static void withStub(BrokerNode node, StubAction action) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.clientPort()).usePlaintext().build();
        try {
            action.run(TributaryGrpc.newBlockingStub(channel));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static ByteBuffer batch(int epoch, int firstSequence, int records) {
        RecordBatchBuilder builder = new RecordBatchBuilder(0L, PRODUCER, (short) epoch, firstSequence, -1, 256);
        for (int i = 0; i < records; i++) {
            builder.append(1_000L, null, ("e" + epoch + "-s" + (firstSequence + i)).getBytes());
        }
        return builder.build();
    }

    private static ByteBuffer both(ByteBuffer first, ByteBuffer second) {
        return ByteBuffer.allocate(first.remaining() + second.remaining()).put(first).put(second).flip();
    }

    private static PartitionProduceResponse produce(TributaryGrpc.TributaryBlockingStub stub, ByteBuffer records) {
        return stub.produce(ProduceRequest.newBuilder().setAcks(-1).addTopics(TopicProduceData.newBuilder()
                .setTopic(TOPIC).addPartitions(PartitionProduceData.newBuilder().setPartition(0)
                        .setRecords(ByteString.copyFrom(records)))).build()).getTopics(0).getPartitions(0);
    }

    private static List<Record> readAll(TributaryGrpc.TributaryBlockingStub stub) {
        ByteBuffer records = stub.fetch(FetchRequest.newBuilder().setMaxWaitMs(0).setMaxBytes(1 << 20)
                .addTopics(FetchTopic.newBuilder().setTopic(TOPIC).addPartitions(FetchPartition.newBuilder()
                        .setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(-1)))
                .build()).getTopics(0).getPartitions(0).getRecords().asReadOnlyByteBuffer();
        return RecordBatches.of(records).records(0);
    }
}
