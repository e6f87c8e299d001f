package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.broker.config.NodeConfig;
import io.tributary.client.Admin;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.client.RecordMetadata;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.PartitionProduceResponse;
import io.tributary.proto.v1.TributaryGrpc;
import io.tributary.record.CompressionType;
import io.tributary.record.Header;
import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import io.tributary.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Compressed batches through a real node: a compressing producer's records are stored in the batches
 * it sent, with its codec, and consumed whole; a topic's compression.type makes the leader convert;
 * a timestamp lookup finds the record inside a compressed batch.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompressionIntegrationTest {
    @TempDir
    static Path dataDir;
    private BrokerNode node;
    private ManagedChannel channel;
    private RawRequests raw;
    private List<String> bootstrap;

    @BeforeAll
    void startNode() throws Exception {
        node = BrokerNode.start(NodeConfig.ephemeral(dataDir));
        bootstrap = List.of(node.bootstrapAddress());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", node.clientPort()).usePlaintext().build();
        raw = new RawRequests(TributaryGrpc.newBlockingStub(channel));
    }

    @AfterAll
    void stopNode() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        node.close();
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aCompressingProducersRecordsAreStoredAsItSentThemAndConsumedWhole(CompressionType codec) throws Exception {
        String topic = "sent-" + codec.configName;
        createTopic(topic, Map.of());
        int count = 3_000;
        List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
        try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).batchSize(16_384)
                .compression(codec).build())) {
            for (int i = 0; i < count; i++) {
                sends.add(producer.send(new ProducerRecord(topic, 0, null, key(i), json(i),
                        List.of(new Header("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8))))));
            }
            producer.flush();
        }
        for (int i = 0; i < count; i++) {
            assertThat(sends.get(i).join().offset()).isEqualTo(i);
        }

        List<ConsumerRecord> consumed = consumeAll(topic, count);
        for (int i = 0; i < count; i++) {
            ConsumerRecord record = consumed.get(i);
            assertThat(record.offset()).isEqualTo(i);
            assertThat(record.key()).isEqualTo(key(i));
            assertThat(record.value()).isEqualTo(json(i));
            assertThat(record.headers()).containsExactly(new Header("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
        }
        List<RecordBatch> stored = storedBatches(topic);
        assertThat(stored).isNotEmpty().allSatisfy(batch -> assertThat(batch.compressionType()).isEqualTo(codec));
        assertThat(stored.get(stored.size() - 1).nextOffset()).isEqualTo(count);
        int storedBytes = stored.stream().mapToInt(RecordBatch::sizeInBytes).sum();
        int uncompressedBytes = stored.stream().mapToInt(b -> b.uncompressedRecords().remaining()).sum();
        if (codec != CompressionType.NONE) {
            assertThat(storedBytes).as("JSON values compress").isLessThan(uncompressedBytes / 2);
        }
    }

    @Test
    void aTopicCompressionTypeMakesTheLeaderStoreEveryBatchWithItsCodec() {
        createTopic("always-zstd", Map.of("compression.type", "zstd"));
        ByteBuffer plain = batch(CompressionType.NONE, 0, 20);
        ByteBuffer gzip = batch(CompressionType.GZIP, 20, 30);
        assertThat(raw.produce("always-zstd", 0, plain).getErrorCode()).isEqualTo(ErrorCode.NONE);
        assertThat(raw.produce("always-zstd", 0, gzip).getErrorCode()).isEqualTo(ErrorCode.NONE);

        List<RecordBatch> stored = storedBatches("always-zstd");

        assertThat(stored).extracting(RecordBatch::compressionType).containsExactly(CompressionType.ZSTD, CompressionType.ZSTD);
        List<Record> expected = new ArrayList<>(RecordBatch.wrap(plain).records());
        for (Record record : RecordBatch.wrap(gzip).records()) {
            expected.add(new Record(record.offset() + 20, record.timestamp(), record.key(), record.value(), record.headers()));
        }
        assertThat(stored.stream().flatMap(b -> b.records().stream()).toList()).isEqualTo(expected);

        createTopic("never-compressed", Map.of("compression.type", "uncompressed"));
        assertThat(raw.produce("never-compressed", 0, batch(CompressionType.LZ4, 0, 5)).getErrorCode())
                .isEqualTo(ErrorCode.NONE);
        assertThat(storedBatches("never-compressed")).extracting(RecordBatch::compressionType)
                .containsExactly(CompressionType.NONE);
    }

    @Test
    void aTimestampLookupFindsTheRecordInsideACompressedBatch() {
        createTopic("timed", Map.of());
        PartitionProduceResponse first = raw.produce("timed", 0, batch(CompressionType.SNAPPY, 0, 10));
        PartitionProduceResponse second = raw.produce("timed", 0, batch(CompressionType.ZSTD, 10, 10));
        assertThat(List.of(first.getErrorCode(), second.getErrorCode())).containsOnly(ErrorCode.NONE);

        assertThat(raw.listOffset("timed", 0, 1_000_004L).getOffset()).isEqualTo(4);
        assertThat(raw.listOffset("timed", 0, 1_000_013L).getOffset()).isEqualTo(13);
    }

    // ------------------------------------------------------------------ helpers

    /** Records {@code first..first+count-1} with timestamps 1,000,000 + i. */
    private static ByteBuffer batch(CompressionType codec, int first, int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(256).compression(codec);
        for (int i = first; i < first + count; i++) {
            builder.append(1_000_000L + i, key(i), json(i));
        }
        return builder.build();
    }

    private static byte[] key(int i) {
        return ("user-" + i % 97).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] json(int i) {
        return ("{\"user\":\"user-" + i % 97 + "\",\"event\":\"page_view\",\"page\":\"/catalog/items/" + i % 500
                + "\",\"duration_ms\":" + (i * 37 % 10_000) + ",\"agent\":\"Mozilla/5.0 (X11; Linux x86_64)\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private void createTopic(String topic, Map<String, String> configs) {
        try (Admin admin = Admin.create(bootstrap)) {
            assertThat(admin.createTopic(new NewTopic(topic, 1, 1, configs)).isSuccess()).isTrue();
        }
    }

    private List<RecordBatch> storedBatches(String topic) {
        List<RecordBatch> batches = new ArrayList<>();
        long offset = 0;
        while (true) {
            FetchPartitionResponse response = raw.fetch(topic, 0, offset, -1);
            assertThat(response.getErrorCode()).isEqualTo(ErrorCode.NONE);
            if (response.getRecords().isEmpty()) {
                return batches;
            }
            ByteBuffer bytes = ByteBuffer.wrap(response.getRecords().toByteArray());
            for (RecordBatch batch : RecordBatches.of(bytes)) {
                batch.ensureValid();
                batches.add(batch);
                offset = batch.nextOffset();
            }
        }
    }

    private List<ConsumerRecord> consumeAll(String topic, int count) {
        List<ConsumerRecord> consumed = new ArrayList<>();
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).build())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumed.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(consumed::add);
            }
        }
        assertThat(consumed).hasSize(count);
        return consumed;
    }
}
