package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.broker.config.NodeConfig;
import io.tributary.proto.v1.CreateTopicsRequest;
import io.tributary.proto.v1.DeleteTopicsRequest;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.FetchPartition;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.FetchRequest;
import io.tributary.proto.v1.FetchTopic;
import io.tributary.proto.v1.ListOffsetsPartition;
import io.tributary.proto.v1.ListOffsetsRequest;
import io.tributary.proto.v1.ListOffsetsTopic;
import io.tributary.proto.v1.NewTopic;
import io.tributary.proto.v1.PartitionProduceData;
import io.tributary.proto.v1.PartitionProduceResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.TopicProduceData;
import io.tributary.proto.v1.TopicResult;
import io.tributary.proto.v1.TributaryGrpc;
import io.tributary.record.CompressionType;
import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import io.tributary.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input gets a precise error code over the wire, and the log it was aimed at stays
 * exactly as it was: same end offset, same records.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    private static final String TOPIC = "intact";

    @TempDir
    static Path dataDir;
    private BrokerNode node;
    private ManagedChannel channel;
    private TributaryGrpc.TributaryBlockingStub stub;
    private RawRequests raw;

    @BeforeAll
    void startNode() throws Exception {
        node = BrokerNode.start(NodeConfig.ephemeral(dataDir));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", node.clientPort()).usePlaintext().build();
        stub = TributaryGrpc.newBlockingStub(channel);
        raw = new RawRequests(stub);
        TopicResult created = stub.createTopics(CreateTopicsRequest.newBuilder().addTopics(NewTopic.newBuilder()
                .setName(TOPIC).setNumPartitions(1).putConfigs("max.message.bytes", "2000")).build()).getTopics(0);
        assertThat(created.getErrorCode()).isEqualTo(ErrorCode.NONE);
        assertThat(produce(batch(0, 3)).getErrorCode()).isEqualTo(ErrorCode.NONE);
    }

    @AfterAll
    void stopNode() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        node.close();
    }

    private List<Record> before;

    @BeforeEach
    void snapshotLog() {
        before = readAll();
    }

    private void assertLogIntact() {
        assertThat(readAll()).isEqualTo(before);
        assertThat(listOffset(-1)).isEqualTo(before.size());
    }

    @Test
    void unknownTopicAndPartition() {
        assertThat(produce("nope", 0, batch(0, 1)).getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        PartitionProduceResponse noPartition = produce(TOPIC, 7, batch(0, 1));
        assertThat(noPartition.getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(noPartition.getErrorMessage()).contains("no partition 7");
        assertThat(fetch("nope", 0).getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertLogIntact();
    }

    @Test
    void invalidTopicNamePartitionCountAndConfig() {
        assertThat(create(NewTopic.newBuilder().setName("bad name!").setNumPartitions(1)).getErrorCode())
                .isEqualTo(ErrorCode.INVALID_TOPIC_NAME);
        assertThat(create(NewTopic.newBuilder().setName("zero").setNumPartitions(0)).getErrorCode())
                .isEqualTo(ErrorCode.INVALID_PARTITIONS);
        assertThat(create(NewTopic.newBuilder().setName("rf").setNumPartitions(1).setReplicationFactor(3)).getErrorCode())
                .isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR);
        TopicResult badConfig = create(NewTopic.newBuilder().setName("cfg").setNumPartitions(1)
                .putConfigs("retention.ms", "soon"));
        assertThat(badConfig.getErrorCode()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(badConfig.getErrorMessage()).contains("retention.ms");
        assertThat(create(NewTopic.newBuilder().setName("cfg").setNumPartitions(1).putConfigs("no.such.key", "1"))
                .getErrorCode()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(create(NewTopic.newBuilder().setName("cfg").setNumPartitions(1).putConfigs("flush.ms", "0"))
                .getErrorCode()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(create(NewTopic.newBuilder().setName(TOPIC).setNumPartitions(1)).getErrorCode())
                .isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS);
        assertThat(stub.deleteTopics(DeleteTopicsRequest.newBuilder().addNames("never-created").build())
                .getTopics(0).getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(stub.describeTopics(io.tributary.proto.v1.DescribeTopicsRequest.getDefaultInstance())
                .getTopicsList()).extracting(t -> t.getName()).contains(TOPIC).doesNotContain("bad name!", "zero", "rf", "cfg");
        assertLogIntact();
    }

    @Test
    void crcMismatchIsRejectedAndNothingOfTheRequestIsAppended() {
        ByteBuffer good = batch(0, 2);
        ByteBuffer corrupt = batch(0, 2);
        corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 0x40));
        ByteBuffer both = ByteBuffer.allocate(good.remaining() + corrupt.remaining()).put(good).put(corrupt).flip();
        PartitionProduceResponse response = produce(both);
        assertThat(response.getErrorCode()).isEqualTo(ErrorCode.CORRUPT_RECORD);
        assertThat(response.getErrorMessage()).contains("CRC");
        assertLogIntact();
    }

    @Test
    void truncatedAndGarbageBatchesAreCorrupt() {
        ByteBuffer truncated = batch(0, 3);
        truncated.limit(truncated.limit() - 5);
        assertThat(produce(truncated).getErrorCode()).isEqualTo(ErrorCode.CORRUPT_RECORD);
        ByteBuffer garbage = ByteBuffer.wrap("definitely not a record batch, but long enough to have a header".getBytes());
        assertThat(produce(garbage).getErrorCode()).isIn(ErrorCode.CORRUPT_RECORD, ErrorCode.UNSUPPORTED_RECORD_FORMAT);
        assertLogIntact();
    }

    @Test
    void aCompressedPayloadThatDoesNotDecompressIsCorruptAndNothingIsAppended() {
        ByteBuffer garbled = compressedBatch(CompressionType.ZSTD, 40);
        int middle = RecordBatch.HEADER_SIZE + (garbled.remaining() - RecordBatch.HEADER_SIZE) / 2;
        for (int i = middle; i < middle + 8; i++) {
            garbled.put(i, (byte) ~garbled.get(i));
        }
        garbled.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.wrap(garbled).computeChecksum()); // only decompressing tells
        ByteBuffer both = ByteBuffer.allocate(1 << 12).put(batch(0, 1)).put(garbled).flip();

        PartitionProduceResponse response = produce(both);

        assertThat(response.getErrorCode()).isEqualTo(ErrorCode.CORRUPT_RECORD);
        // zstd frames carry no checksum: a garbled one fails to decompress or decompresses to bad framing
        assertThat(response.getErrorMessage()).contains("ZSTD");
        assertLogIntact();
    }

    @Test
    void aRecordCountThatDisagreesWithTheCompressedRecordsIsCorrupt() {
        ByteBuffer lying = compressedBatch(CompressionType.LZ4, 10);
        lying.putInt(RecordBatch.RECORDS_COUNT_OFFSET, 11);
        lying.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 10);
        lying.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.wrap(lying).computeChecksum());

        PartitionProduceResponse response = produce(lying);

        assertThat(response.getErrorCode()).isEqualTo(ErrorCode.CORRUPT_RECORD);
        assertThat(response.getErrorMessage()).contains("the records end after 10 of 11");
        assertLogIntact();
    }

    @Test
    void aRecordWithoutAKeyIsRefusedByACompactedTopic() {
        assertThat(create(NewTopic.newBuilder().setName("compacted").setNumPartitions(1)
                .putConfigs("cleanup.policy", "compact")).getErrorCode()).isEqualTo(ErrorCode.NONE);
        ByteBuffer keyless = new RecordBatchBuilder(128).compression(CompressionType.GZIP)
                .append(1L, "k".getBytes(), "v".getBytes()).append(2L, null, "no key".getBytes()).build();

        PartitionProduceResponse refused = produce("compacted", 0, keyless);

        assertThat(refused.getErrorCode()).isEqualTo(ErrorCode.INVALID_RECORD);
        assertThat(refused.getErrorMessage()).contains("record 1 of the batch has no key");
        assertThat(raw.listOffset("compacted", 0, -1).getOffset()).as("nothing of the batch written").isZero();
        assertThat(produce("compacted", 0, batch(0, 2)).getErrorCode()).isEqualTo(ErrorCode.NONE);
        assertLogIntact();
    }

    @Test
    void anUnknownTopicCompressionTypeIsAnInvalidConfig() {
        TopicResult result = create(NewTopic.newBuilder().setName("brotli").setNumPartitions(1)
                .putConfigs("compression.type", "brotli"));
        assertThat(result.getErrorCode()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(result.getErrorMessage()).contains("compression.type").contains("zstd");
        assertLogIntact();
    }

    @Test
    void oversizedBatchIsRejected() {
        RecordBatchBuilder builder = new RecordBatchBuilder(4096);
        builder.append(1L, null, new byte[3000]);
        PartitionProduceResponse response = produce(builder.build());
        assertThat(response.getErrorCode()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(response.getErrorMessage()).contains("2000");
        assertLogIntact();
    }

    @Test
    void malformedRequestsAreInvalid() {
        ProduceRequest badAcks = ProduceRequest.newBuilder().setAcks(5).addTopics(TopicProduceData.newBuilder()
                .setTopic(TOPIC).addPartitions(PartitionProduceData.newBuilder().setPartition(0)
                        .setRecords(ByteString.copyFrom(batch(0, 1))))).build();
        assertThat(stub.produce(badAcks).getTopics(0).getPartitions(0).getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(produce(ByteBuffer.allocate(0)).getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
        FetchRequest badFetch = FetchRequest.newBuilder().setMaxBytes(0).addTopics(FetchTopic.newBuilder().setTopic(TOPIC)
                .addPartitions(FetchPartition.newBuilder().setPartition(0).setPartitionMaxBytes(1000))).build();
        assertThat(stub.fetch(badFetch).getTopics(0).getPartitions(0).getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(stub.listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder().setTopic(TOPIC)
                .addPartitions(ListOffsetsPartition.newBuilder().setPartition(0).setTimestamp(-7))).build())
                .getTopics(0).getPartitions(0).getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertLogIntact();
    }

    @Test
    void fetchOutsideTheLogSaysTheBounds() {
        long end = listOffset(-1);
        FetchPartitionResponse above = fetchAt(end + 10);
        assertThat(above.getErrorCode()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThat(above.getErrorMessage()).contains("[0, " + end + "]");
        assertThat(fetchAt(-1).getErrorCode()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertLogIntact();
    }

    @Test
    void leaderEpochNewerThanThePartitionsIsUnknown() {
        assertThat(fetchWithEpoch(-1).getErrorCode()).isEqualTo(ErrorCode.NONE); // -1 skips the check
        assertThat(fetchWithEpoch(0).getErrorCode()).isEqualTo(ErrorCode.NONE);
        assertThat(fetchWithEpoch(3).getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_LEADER_EPOCH);
        assertLogIntact();
    }

    // ------------------------------------------------------------------ helpers

    private static ByteBuffer batch(int first, int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(256);
        for (int i = first; i < first + count; i++) {
            builder.append(1_000L + i, ("k" + i).getBytes(), ("v" + i).getBytes());
        }
        return builder.build();
    }

    private static ByteBuffer compressedBatch(CompressionType codec, int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(256).compression(codec);
        for (int i = 0; i < count; i++) {
            builder.append(1_000L + i, ("k" + i).getBytes(), ("{\"value\":" + i + ",\"padding\":\"aaaaaaaa\"}").getBytes());
        }
        return builder.build();
    }

    private TopicResult create(NewTopic.Builder topic) {
        return stub.createTopics(CreateTopicsRequest.newBuilder().addTopics(topic).build()).getTopics(0);
    }

    private PartitionProduceResponse produce(ByteBuffer records) {
        return produce(TOPIC, 0, records);
    }

    private PartitionProduceResponse produce(String topic, int partition, ByteBuffer records) {
        return raw.produce(topic, partition, records);
    }

    private FetchPartitionResponse fetch(String topic, long offset) {
        return raw.fetch(topic, 0, offset, -1);
    }

    private FetchPartitionResponse fetchAt(long offset) {
        return raw.fetch(TOPIC, 0, offset, -1);
    }

    private FetchPartitionResponse fetchWithEpoch(int epoch) {
        return raw.fetch(TOPIC, 0, 0, epoch);
    }

    private long listOffset(long timestamp) {
        return raw.listOffset(TOPIC, 0, timestamp).getOffset();
    }

    private List<Record> readAll() {
        FetchPartitionResponse response = fetchAt(0);
        assertThat(response.getErrorCode()).isEqualTo(ErrorCode.NONE);
        List<Record> records = RecordBatches.of(response.getRecords().asReadOnlyByteBuffer()).records(0);
        for (RecordBatch batch : RecordBatches.of(response.getRecords().asReadOnlyByteBuffer())) {
            batch.ensureValid();
        }
        return records;
    }
}
