package io.tributary.broker.server;

import com.google.protobuf.ByteString;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.LogSlice;
import io.tributary.broker.log.PartitionLog;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.FetchResponse;
import io.tributary.proto.v1.FetchTopicResponse;
import io.tributary.proto.v1.LeaderHint;
import io.tributary.record.RecordBatchBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fetch reply goes on the wire as exactly the bytes protobuf writes for the FetchResponse with
 * the same fields and records, whether gRPC drains it or reads it.
 */
class FetchReplyMarshallerTest {
    @TempDir
    Path dir;

    private static ByteBuffer batch(int records, String tag) {
        RecordBatchBuilder builder = new RecordBatchBuilder(128);
        for (int i = 0; i < records; i++) {
            builder.append(1000 + i, ("k" + i).getBytes(StandardCharsets.UTF_8), (tag + i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    private static FetchPartitionResponse.Builder header(int partition, long highWatermark) {
        return FetchPartitionResponse.newBuilder().setPartition(partition).setErrorCode(ErrorCode.NONE)
                .setHighWatermark(highWatermark).setLastStableOffset(highWatermark).setLogStartOffset(0);
    }

    @Test
    void theReplyIsWrittenAsTheFetchResponseProtobufWouldWrite() throws Exception {
        try (LogManager logs = LogManager.open(dir)) {
            PartitionLog big = logs.getOrCreate(new TopicPartition("orders", 0), "id-1", LogConfig.defaults());
            PartitionLog small = logs.getOrCreate(new TopicPartition("orders", 1), "id-1", LogConfig.defaults());
            for (int i = 0; i < 800; i++) {
                big.append(batch(5, "order-" + i + "-"), 3); // ~130 KiB: more than one copy chunk
            }
            small.append(batch(2, "x"), 3);
            LogSlice bigSlice = big.readSlice(0, 1 << 20, big.logEndOffset());
            LogSlice smallSlice = small.readSlice(1, 1 << 20, small.logEndOffset()); // the whole batch holding offset 1
            LogSlice nothing = small.readSlice(2, 1 << 20, small.logEndOffset());
            LeaderHint leader = LeaderHint.newBuilder().setLeaderId(2).setLeaderEpoch(7).setHost("127.0.0.2").setPort(9092).build();
            FetchPartitionResponse notLeader = FetchPartitionResponse.newBuilder().setPartition(2)
                    .setErrorCode(ErrorCode.NOT_LEADER_OR_FOLLOWER).setErrorMessage("node 1 does not lead orders-2")
                    .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1).setCurrentLeader(leader).build();

            FetchReply reply = new FetchReply(List.of(
                    new FetchReply.Topic("orders", List.of(
                            new FetchReply.Partition(header(0, big.logEndOffset()).build(), bigSlice),
                            new FetchReply.Partition(header(1, 2).build(), smallSlice),
                            new FetchReply.Partition(header(1, 2).build(), nothing),
                            FetchReply.Partition.withoutRecords(notLeader))),
                    new FetchReply.Topic("", List.of())));
            FetchResponse expected = FetchResponse.newBuilder()
                    .addTopics(FetchTopicResponse.newBuilder().setTopic("orders")
                            .addPartitions(header(0, big.logEndOffset())
                                    .setRecords(ByteString.copyFrom(big.read(0, 1 << 20, big.logEndOffset()))))
                            .addPartitions(header(1, 2).setRecords(ByteString.copyFrom(small.read(1, 1 << 20, 2))))
                            .addPartitions(header(1, 2))
                            .addPartitions(notLeader))
                    .addTopics(FetchTopicResponse.newBuilder())
                    .build();
            assertThat(bigSlice.sizeInBytes()).isGreaterThan(64 * 1024);
            assertThat(nothing.sizeInBytes()).isZero();
            assertThat(reply.recordBytes()).isEqualTo(bigSlice.sizeInBytes() + smallSlice.sizeInBytes());

            FetchReplyMarshaller marshaller = new FetchReplyMarshaller();
            InputStream drained = marshaller.stream(reply);
            assertThat(drained).isInstanceOf(Drainable.class).isInstanceOf(KnownLength.class);
            assertThat(drained.available()).isEqualTo(expected.getSerializedSize());
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            assertThat(((Drainable) drained).drainTo(wire)).isEqualTo(expected.getSerializedSize());
            assertThat(wire.toByteArray()).isEqualTo(expected.toByteArray());
            assertThat(drained.available()).isZero();

            assertThat(marshaller.stream(reply).readAllBytes()).as("read instead of drained").isEqualTo(expected.toByteArray());
        }
    }
}
