package io.tributary.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.client.ProducerConfig;
import io.tributary.client.RecordMetadata;
import io.tributary.client.TimeoutException;
import io.tributary.proto.v1.BrokerInfo;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.InitProducerIdRequest;
import io.tributary.proto.v1.InitProducerIdResponse;
import io.tributary.proto.v1.MetadataResponse;
import io.tributary.proto.v1.PartitionMetadata;
import io.tributary.proto.v1.PartitionProduceResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.ProduceResponse;
import io.tributary.proto.v1.TopicMetadata;
import io.tributary.proto.v1.TopicProduceResponse;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the idempotent producer resends re-queued batches: one request at a time, a batch of unknown
 * outcome alone, the batches that were certainly not appended together (see
 * {@link ProduceDispatcher}). Driven on a manual clock through a transport the test answers by hand.
 */
class ProduceDispatcherRetryTest {
    private static final String TOPIC = "t";

    private long nowMs = 1_000;
    private final List<Runnable> completions = new ArrayList<>();
    private final List<Sent> sent = new ArrayList<>();
    private RecordAccumulator accumulator;
    private ProduceDispatcher dispatcher;

    private record Sent(ProduceRequest request, CompletableFuture<ProduceResponse> answer) {
        List<Integer> sequences() {
            List<Integer> sequences = new ArrayList<>();
            ByteBuffer records = request.getTopics(0).getPartitions(0).getRecords().asReadOnlyByteBuffer();
            for (RecordBatch batch : RecordBatches.of(records)) {
                sequences.add(batch.baseSequence());
            }
            return sequences;
        }
    }

    @BeforeEach
    void setUp() {
        ProducerConfig config = ProducerConfig.builder().bootstrapServers("b1:1").lingerMs(0).batchSize(1)
                .maxInFlightRequestsPerConnection(5).requestTimeoutMs(1_000).deliveryTimeoutMs(30_000)
                .retryBackoffMs(10).build();
        accumulator = new RecordAccumulator(config.batchSize(), 0, new BufferPool(1L << 20), () -> nowMs, () -> { });
        Cluster cluster = Cluster.from(MetadataResponse.newBuilder().setMetadataVersion(1)
                .addBrokers(BrokerInfo.newBuilder().setNodeId(1).setHost("b1").setPort(1))
                .addTopics(TopicMetadata.newBuilder().setName(TOPIC).setErrorCode(ErrorCode.NONE)
                        .addPartitions(PartitionMetadata.newBuilder().setPartition(0).setErrorCode(ErrorCode.NONE)
                                .setLeaderId(1).setLeaderEpoch(0)))
                .build(), nowMs);
        ProducerMetadata metadata = new ProducerMetadata() {
            @Override
            public Cluster cluster() {
                return cluster;
            }

            @Override
            public void requestRefresh() {
            }
        };
        ProducerTransport transport = new ProducerTransport() {
            @Override
            public CompletableFuture<ProduceResponse> produce(BrokerAddress broker, ProduceRequest request, long timeoutMs) {
                CompletableFuture<ProduceResponse> answer = new CompletableFuture<>();
                sent.add(new Sent(request, answer));
                return answer;
            }

            @Override
            public CompletableFuture<InitProducerIdResponse> initProducerId(BrokerAddress broker,
                                                                            InitProducerIdRequest request, long timeoutMs) {
                return CompletableFuture.completedFuture(InitProducerIdResponse.newBuilder().setErrorCode(ErrorCode.NONE)
                        .setProducerId(7).setProducerEpoch(0).build());
            }
        };
        dispatcher = new ProduceDispatcher(config, accumulator, metadata, transport, () -> nowMs, completions::add);
    }

    @Test
    void batchesRefusedOutOfOrderAreResentTogetherInOneRequest() {
        List<CompletableFuture<RecordMetadata>> records = sendOneRequestPerRecord(4);
        // the leader takes the first request last: the three behind it are refused out of order
        for (int i = 3; i >= 1; i--) {
            answer(sent.get(i), ErrorCode.OUT_OF_ORDER_SEQUENCE, -1);
        }
        answer(sent.get(0), ErrorCode.NONE, 100);
        pollAfterBackoff();

        assertThat(sent).hasSize(5);
        assertThat(sent.get(4).sequences()).containsExactly(1, 2, 3);
        answer(sent.get(4), ErrorCode.NONE, 101);
        assertThat(records).allSatisfy(r -> assertThat(r).isCompleted());
        assertThat(records.get(3).join().offset()).isEqualTo(103);
    }

    @Test
    void batchesOfUnknownOutcomeAreResentAloneOneAtATime() {
        List<CompletableFuture<RecordMetadata>> records = sendOneRequestPerRecord(3);
        for (Sent request : List.copyOf(sent)) {
            fail(request, new TimeoutException("deadline exceeded", false, null));
        }
        pollAfterBackoff();

        assertThat(sent).hasSize(4);
        assertThat(sent.get(3).sequences()).containsExactly(0);
        poll();
        assertThat(sent).as("the next retry waits for this one's answer").hasSize(4);
        answer(sent.get(3), ErrorCode.NONE, 100);
        poll();
        assertThat(sent).hasSize(5);
        assertThat(sent.get(4).sequences()).containsExactly(1);
        answer(sent.get(4), ErrorCode.NONE, 101);
        poll();
        assertThat(sent.get(5).sequences()).containsExactly(2);
        answer(sent.get(5), ErrorCode.NONE, 102);
        assertThat(records).allSatisfy(r -> assertThat(r).isCompleted());
    }

    /** Queues {@code count} one-record batches and lets the dispatcher send each in its own request. */
    private List<CompletableFuture<RecordMetadata>> sendOneRequestPerRecord(int count) {
        List<CompletableFuture<RecordMetadata>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            CompletableFuture<RecordMetadata> record = new CompletableFuture<>();
            byte[] value = ("v" + i).getBytes(StandardCharsets.UTF_8);
            accumulator.append(accumulator.queue(TOPIC, 0), nowMs, null, value, List.of(), 64, record, false);
            records.add(record);
            poll(); // the producer id on the first poll, then this record's request
            poll();
        }
        assertThat(sent).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(sent.get(i).sequences()).containsExactly(i);
        }
        return records;
    }

    private void answer(Sent request, ErrorCode code, long baseOffset) {
        request.answer().complete(ProduceResponse.newBuilder().addTopics(TopicProduceResponse.newBuilder().setTopic(TOPIC)
                .addPartitions(PartitionProduceResponse.newBuilder().setPartition(0).setErrorCode(code)
                        .setBaseOffset(baseOffset).setLogAppendTimeMs(-1).setLogStartOffset(0))).build());
        runCompletions();
    }

    private void fail(Sent request, Throwable error) {
        request.answer().completeExceptionally(error);
        runCompletions();
    }

    private void runCompletions() {
        List<Runnable> due = new ArrayList<>(completions);
        completions.clear();
        due.forEach(Runnable::run);
    }

    private void poll() {
        runCompletions();
        dispatcher.poll(nowMs);
    }

    private void pollAfterBackoff() {
        nowMs += 20;
        poll();
    }
}
