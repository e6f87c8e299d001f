package io.tributary.client;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.PartitionProduceData;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.TopicProduceData;
import io.tributary.record.Header;
import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatches;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import java.time.Duration;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;

class ProducerTest {
    private FakeTributary broker;

    @BeforeEach
    void start() throws Exception {
        broker = new FakeTributary();
        broker.createTopic("events", 3);
    }

    @AfterEach
    void stop() throws Exception {
        broker.close();
    }

    private ProducerConfig.Builder config() {
        return ProducerConfig.builder().bootstrapServers(broker.address()).requestTimeoutMs(5_000)
                .deliveryTimeoutMs(10_000).maxBlockMs(5_000).retryBackoffMs(10);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static TributaryException failure(CompletableFuture<RecordMetadata> future) {
        try {
            future.get();
            throw new AssertionError("future succeeded");
        } catch (ExecutionException e) {
            return (TributaryException) e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void recordsOfManySendsLandInFewBatchesInOrderWithTheirOffsets() throws Exception {
        int count = 2_000;
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (Producer producer = new Producer(config().lingerMs(60_000).deliveryTimeoutMs(120_000).batchSize(16_384).build())) {
            for (int i = 0; i < count; i++) {
                futures.add(producer.send(ProducerRecord.of("events", 1, bytes("k" + i), bytes("value-" + i))));
            }
            producer.flush();
            for (int i = 0; i < count; i++) {
                RecordMetadata metadata = futures.get(i).getNow(null);
                assertThat(metadata).isNotNull();
                assertThat(metadata.topic()).isEqualTo("events");
                assertThat(metadata.partition()).isEqualTo(1);
                assertThat(metadata.offset()).isEqualTo(i);
                assertThat(metadata.timestamp()).isPositive();
            }
        }
        List<Record> stored = broker.records("events", 1);
        assertThat(stored).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(stored.get(i).offset()).isEqualTo(i);
            assertThat(new String(stored.get(i).value(), StandardCharsets.UTF_8)).isEqualTo("value-" + i);
        }
        int batches = 0;
        for (ProduceRequest request : broker.produceRequests()) {
            for (TopicProduceData topic : request.getTopicsList()) {
                for (PartitionProduceData data : topic.getPartitionsList()) {
                    for (var ignored : RecordBatches.of(data.getRecords().asReadOnlyByteBuffer())) {
                        batches++;
                    }
                }
            }
        }
        // ~30 bytes per record: a 16 KiB batch holds hundreds; linger never expires, so only full batches and the flush send
        assertThat(batches).isBetween(2, 10);
        assertThat(broker.produceRequests().size()).isLessThanOrEqualTo(batches);
    }

    @Test
    void oneRequestCarriesSeveralPartitionsAndKeyedRecordsFollowMurmur2() throws Exception {
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (Producer producer = new Producer(config().lingerMs(60_000).deliveryTimeoutMs(120_000).build())) {
            for (int i = 0; i < 300; i++) {
                futures.add(producer.send(ProducerRecord.of("events", bytes("key-" + i), bytes("v" + i))));
            }
            producer.flush();
        }
        long[] nextOffset = new long[3];
        for (int i = 0; i < 300; i++) {
            RecordMetadata metadata = futures.get(i).get();
            int expected = DefaultPartitioner.partitionForKey(bytes("key-" + i), 3);
            assertThat(metadata.partition()).isEqualTo(expected);
            assertThat(metadata.offset()).isEqualTo(nextOffset[expected]++);
        }
        assertThat(broker.produceRequests()).hasSize(1);
        assertThat(broker.produceRequests().get(0).getTopics(0).getPartitionsCount()).isEqualTo(3);
        assertThat(broker.produceRequests().get(0).getAcks()).isEqualTo(-1);
    }

    @Test
    void nullKeysStickToOnePartitionPerBatch() throws Exception {
        try (Producer producer = new Producer(config().lingerMs(60_000).deliveryTimeoutMs(120_000).build())) {
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                futures.add(producer.send(ProducerRecord.of("events", null, bytes("v" + i))));
            }
            producer.flush();
            int partition = futures.get(0).get().partition();
            for (CompletableFuture<RecordMetadata> future : futures) {
                assertThat(future.get().partition()).isEqualTo(partition);
            }
        }
    }

    @Test
    void headersTimestampsAndNullsRoundTrip() throws Exception {
        try (Producer producer = new Producer(config().build())) {
            RecordMetadata metadata = producer.send(new ProducerRecord("events", 0, 1234L, null, null,
                    List.of(new Header("h", bytes("x")), new Header("empty", null)))).get();
            assertThat(metadata.timestamp()).isEqualTo(1234L);
            assertThat(metadata.offset()).isZero();
        }
        Record stored = broker.records("events", 0).get(0);
        assertThat(stored.key()).isNull();
        assertThat(stored.value()).isNull();
        assertThat(stored.timestamp()).isEqualTo(1234L);
        assertThat(stored.headers()).containsExactly(new Header("h", bytes("x")), new Header("empty", null));
    }

    @Test
    void retriesNotLeaderAfterAMetadataRefreshAndKeepsOrder() throws Exception {
        broker.failNextProduces(new TopicPartition("events", 2), ErrorCode.NOT_LEADER_OR_FOLLOWER,
                ErrorCode.LEADER_NOT_AVAILABLE);
        try (Producer producer = new Producer(config().lingerMs(0).build())) {
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                futures.add(producer.send(ProducerRecord.of("events", 2, null, bytes("v" + i))));
            }
            producer.flush();
            for (int i = 0; i < 50; i++) {
                assertThat(futures.get(i).get().offset()).isEqualTo(i);
            }
        }
        List<Record> stored = broker.records("events", 2);
        assertThat(stored).hasSize(50);
        for (int i = 0; i < 50; i++) {
            assertThat(new String(stored.get(i).value(), StandardCharsets.UTF_8)).isEqualTo("v" + i);
        }
        assertThat(broker.produceRequests().size()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void withoutIdempotenceNeverRetriesAnIndefiniteError() throws Exception {
        broker.failNextProduces(new TopicPartition("events", 0), ErrorCode.REQUEST_TIMED_OUT);
        try (Producer producer = new Producer(config().enableIdempotence(false).build())) {
            CompletableFuture<RecordMetadata> future = producer.send(ProducerRecord.of("events", 0, null, bytes("v")));
            TributaryException e = failure(future);
            assertThat(e).isInstanceOf(TimeoutException.class);
            assertThat(e.isDefinite()).isFalse();
            assertThat(e.code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
            // the next record goes through normally
            assertThat(producer.send(ProducerRecord.of("events", 0, null, bytes("w"))).get().offset()).isZero();
        }
        assertThat(broker.produceRequests()).hasSize(2);
    }

    private List<RecordBatch> sentBatches(int partition) {
        List<RecordBatch> out = new ArrayList<>();
        for (ProduceRequest request : broker.produceRequests()) {
            for (TopicProduceData topic : request.getTopicsList()) {
                for (PartitionProduceData data : topic.getPartitionsList()) {
                    if (data.getPartition() == partition) {
                        RecordBatches.of(data.getRecords().asReadOnlyByteBuffer()).forEach(out::add);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void idempotentBatchesCarryProducerIdEpochAndConsecutiveSequences() throws Exception {
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (Producer producer = new Producer(config().lingerMs(0).batchSize(512).build())) {
            assertThat(producer.config().enableIdempotence()).isTrue();
            for (int i = 0; i < 300; i++) {
                futures.add(producer.send(ProducerRecord.of("events", 1, null, bytes("value-" + i))));
            }
            producer.flush();
            futures.add(producer.send(ProducerRecord.of("events", 2, null, bytes("other"))));
            producer.flush();
        }
        for (int i = 0; i < 300; i++) {
            assertThat(futures.get(i).get().offset()).isEqualTo(i);
        }
        assertThat(broker.initProducerIdCalls()).isEqualTo(1);
        List<RecordBatch> batches = sentBatches(1);
        assertThat(batches.size()).isGreaterThan(3);
        int expected = 0;
        for (RecordBatch batch : batches) {
            assertThat(batch.producerId()).isEqualTo(1000L);
            assertThat(batch.producerEpoch()).isEqualTo((short) 0);
            assertThat(batch.baseSequence()).isEqualTo(expected);
            assertThat(batch.isValid()).isTrue();
            expected += batch.recordCount();
        }
        assertThat(expected).isEqualTo(300);
        // sequences are per partition
        assertThat(sentBatches(2)).singleElement().satisfies(b -> assertThat(b.baseSequence()).isZero());
        assertThat(broker.produceRequests()).allSatisfy(r -> assertThat(r.getAcks()).isEqualTo(-1));
    }

    @Test
    void idempotentProducerRetriesAnIndefiniteErrorWithoutDuplicating() throws Exception {
        TopicPartition tp = new TopicPartition("events", 0);
        broker.failNextProduces(new TopicPartition("events", 1), ErrorCode.STORAGE_ERROR);
        broker.failNextProducesAfterAppend(tp, ErrorCode.REQUEST_TIMED_OUT);
        try (Producer producer = new Producer(config().build())) {
            assertThat(producer.send(ProducerRecord.of("events", 0, null, bytes("v"))).get().offset()).isZero();
            assertThat(producer.send(ProducerRecord.of("events", 0, null, bytes("w"))).get().offset()).isEqualTo(1);
            // STORAGE_ERROR (indefinite, nothing appended here) is retried too
            assertThat(producer.send(ProducerRecord.of("events", 1, null, bytes("x"))).get().offset()).isZero();
        }
        List<Record> stored = broker.records("events", 0);
        assertThat(stored).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactly("v", "w");
        List<RecordBatch> batches = sentBatches(0);
        assertThat(batches).extracting(RecordBatch::baseSequence).containsExactly(0, 0, 1);
        assertThat(broker.records("events", 1)).hasSize(1);
        assertThat(sentBatches(1)).extracting(RecordBatch::baseSequence).containsExactly(0, 0);
    }

    @Test
    void idempotentProducerRetriesARequestPastItsDeadline() throws Exception {
        broker.hangProduce(true);
        try (Producer producer = new Producer(config().requestTimeoutMs(300).deliveryTimeoutMs(5_000).build())) {
            CompletableFuture<RecordMetadata> future = producer.send(ProducerRecord.of("events", 0, null, bytes("v")));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> !broker.produceRequests().isEmpty()); // the first attempt reached the broker
            broker.hangProduce(false);
            assertThat(future.get().offset()).isZero();
        }
        assertThat(broker.records("events", 0)).hasSize(1);
        assertThat(sentBatches(0)).extracting(RecordBatch::baseSequence).containsOnly(0);
        assertThat(broker.produceRequests().size()).isGreaterThanOrEqualTo(2);
    }

    @ParameterizedTest(name = "answered newest first: {0}")
    @ValueSource(booleans = {false, true})
    void idempotentProducerPipelinesRequestsAndResendsInOrderAfterAnEarlierOneFails(boolean newestFirst)
            throws Exception {
        broker.hangProduce(true);
        try (Producer producer = new Producer(config().lingerMs(0).build())) {
            List<java.util.concurrent.CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            for (String v : List.of("a", "b", "c")) {
                sent.add(producer.send(ProducerRecord.of("events", 0, null, bytes(v))));
                int requests = sent.size();
                await().atMost(Duration.ofSeconds(5)).until(() -> broker.produceRequests().size() >= requests);
            }
            assertThat(broker.produceRequests()).as("three requests in flight for one partition").hasSize(3);
            broker.failNextProduces(new TopicPartition("events", 0), ErrorCode.NOT_LEADER_OR_FOLLOWER);
            broker.releaseHungProduces(newestFirst);
            for (java.util.concurrent.CompletableFuture<RecordMetadata> future : sent) {
                future.get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        assertThat(broker.records("events", 0)).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactly("a", "b", "c");
        assertThat(broker.initProducerIdCalls()).as("no producer id reset").isEqualTo(1);
    }

    @Test
    void aRequestOfUnknownOutcomeIsRetriedOneBatchPerRequestInOrderAndAtMost32StayUnanswered() throws Exception {
        broker.hangProduce(true);
        broker.failNextProducesAfterAppend(new TopicPartition("events", 0), ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        List<String> values = sendFortyWhileHung();
        List<List<Integer>> sequencesPerRequest = sequencesPerProduceRequest();
        List<Integer> unknown = sequencesPerRequest.get(0);
        // a new leader may hold only the first batches of a request; one batch per retry is then
        // either a duplicate or new, never a mix the leader must refuse (issue 9, hole 3)
        assertThat(sequencesPerRequest.subList(1, sequencesPerRequest.size()))
                .as("the batches of unknown outcome went out again one per request")
                .filteredOn(sequences -> unknown.contains(sequences.get(0))).allSatisfy(r -> assertThat(r).hasSize(1));
        assertThat(broker.records("events", 0)).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactlyElementsOf(values);
        assertThat(broker.initProducerIdCalls()).isEqualTo(1);
    }

    @Test
    void aRefusedRequestIsRetriedInOneRequestInOrder() throws Exception {
        broker.hangProduce(true);
        broker.failNextProduces(new TopicPartition("events", 0), ErrorCode.NOT_LEADER_OR_FOLLOWER);
        List<String> values = sendFortyWhileHung();
        List<List<Integer>> sequencesPerRequest = sequencesPerProduceRequest();
        List<Integer> refused = sequencesPerRequest.get(0);
        assertThat(refused).hasSizeGreaterThan(1);
        // refused outright, so never appended: resent together, not one round trip per batch
        assertThat(sequencesPerRequest.subList(1, sequencesPerRequest.size()))
                .filteredOn(sequences -> sequences.contains(refused.get(0)))
                .first().asList().startsWith(refused.toArray());
        assertThat(broker.records("events", 0)).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactlyElementsOf(values);
        assertThat(broker.initProducerIdCalls()).isEqualTo(1);
    }

    /**
     * Sends 40 one-record batches to events-0 while the broker holds produces, then lets it answer.
     * The producer id is held until all 40 are queued, so the first request carries several batches.
     */
    private List<String> sendFortyWhileHung() throws Exception {
        List<String> values = new ArrayList<>();
        broker.holdProducerIds();
        try (Producer producer = new Producer(config().batchSize(1).lingerMs(0).build())) {
            List<java.util.concurrent.CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                values.add("v" + i);
                sent.add(producer.send(ProducerRecord.of("events", 0, null, bytes("v" + i))));
            }
            broker.releaseProducerIds();
            await().atMost(Duration.ofSeconds(5)).until(() -> !broker.produceRequests().isEmpty());
            int sentBeforeAnyAnswer = 0;
            for (List<Integer> request : sequencesPerProduceRequest()) {
                sentBeforeAnyAnswer += request.size();
            }
            assertThat(sentBeforeAnyAnswer).as("unanswered batches of one partition").isLessThanOrEqualTo(32);
            broker.releaseHungProduces(false);
            for (java.util.concurrent.CompletableFuture<RecordMetadata> future : sent) {
                future.get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        return values;
    }

    /** The base sequences of the events-0 batches in each produce request the broker received. */
    private List<List<Integer>> sequencesPerProduceRequest() {
        List<List<Integer>> sequencesPerRequest = new ArrayList<>();
        for (ProduceRequest request : broker.produceRequests()) {
            List<Integer> sequences = new ArrayList<>();
            RecordBatches.of(request.getTopics(0).getPartitions(0).getRecords().asReadOnlyByteBuffer())
                    .forEach(b -> sequences.add(b.baseSequence()));
            sequencesPerRequest.add(sequences);
        }
        return sequencesPerRequest;
    }

    @Test
    void idempotentProducerFailsOnOutOfOrderSequenceAndBumpsItsEpoch() throws Exception {
        broker.failNextProduces(new TopicPartition("events", 0), ErrorCode.OUT_OF_ORDER_SEQUENCE);
        try (Producer producer = new Producer(config().build())) {
            TributaryException e = failure(producer.send(ProducerRecord.of("events", 0, null, bytes("v"))));
            assertThat(e.code()).isEqualTo(ErrorCode.OUT_OF_ORDER_SEQUENCE);
            assertThat(e.isDefinite()).isTrue();
            assertThat(producer.send(ProducerRecord.of("events", 0, null, bytes("w"))).get().offset()).isZero();
        }
        assertThat(broker.produceRequests()).hasSize(2);
        assertThat(broker.initProducerIdCalls()).as("the epoch is bumped locally, as KIP-360's").isEqualTo(1);
        assertThat(sentBatches(0)).extracting(RecordBatch::producerId).containsExactly(1000L, 1000L);
        assertThat(sentBatches(0)).extracting(RecordBatch::producerEpoch).containsExactly((short) 0, (short) 1);
        assertThat(sentBatches(0)).extracting(RecordBatch::baseSequence).containsExactly(0, 0);
    }

    /**
     * Issue 9, hole 1: a definite failure elsewhere used to reset the producer id and renumber every
     * queued batch, including one already in the log whose answer was lost; both copies committed.
     */
    @Test
    void aBatchThatMayBeWrittenIsNotResentUnderANewEpoch() throws Exception {
        TopicPartition p0 = new TopicPartition("events", 0);
        TopicPartition p1 = new TopicPartition("events", 1);
        broker.failNextProducesAfterAppend(p0, ErrorCode.REQUEST_TIMED_OUT);
        try (Producer producer = new Producer(config().retryBackoffMs(200).build())) {
            CompletableFuture<RecordMetadata> maybeWritten = producer.send(ProducerRecord.of("events", 0, null, bytes("a")));
            await().atMost(Duration.ofSeconds(5)).until(() -> broker.records("events", 0).size() == 1);
            ErrorCode[] notLeader = new ErrorCode[1_000];
            java.util.Arrays.fill(notLeader, ErrorCode.NOT_LEADER_OR_FOLLOWER);
            broker.failNextProduces(p0, notLeader); // its retries keep it queued, with a sequence
            broker.failNextProduces(p1, ErrorCode.OUT_OF_ORDER_SEQUENCE);

            TributaryException gap = failure(producer.send(ProducerRecord.of("events", 1, null, bytes("b"))));
            TributaryException unknown = failure(maybeWritten);

            assertThat(gap.isDefinite()).isTrue();
            assertThat(unknown.isDefinite()).as("it may be in the log: %s", unknown.getMessage()).isFalse();
            broker.clearInjectedErrors(p0);
            assertThat(producer.send(ProducerRecord.of("events", 0, null, bytes("c"))).get().offset()).isEqualTo(1);
        }
        assertThat(broker.records("events", 0)).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .containsExactly("a", "c");
        List<RecordBatch> last = sentBatches(0);
        assertThat(last.get(last.size() - 1).producerEpoch()).isEqualTo((short) 1);
        assertThat(last.get(last.size() - 1).baseSequence()).isZero();
    }

    /** Issue 9, hole 3: a retry the leader can no longer place is an unknown outcome, and the sequence goes on. */
    @Test
    void aSequenceTheLeaderNoLongerRemembersFailsIndefinitelyWithoutAnEpochBump() throws Exception {
        broker.failNextProducesAfterAppend(new TopicPartition("events", 0), ErrorCode.DUPLICATE_SEQUENCE_NUMBER);
        try (Producer producer = new Producer(config().build())) {
            TributaryException e = failure(producer.send(ProducerRecord.of("events", 0, null, bytes("v"))));
            assertThat(e.code()).isEqualTo(ErrorCode.DUPLICATE_SEQUENCE_NUMBER);
            assertThat(e.isDefinite()).isFalse();
            assertThat(producer.send(ProducerRecord.of("events", 0, null, bytes("w"))).get().offset()).isEqualTo(1);
        }
        assertThat(sentBatches(0)).extracting(RecordBatch::producerEpoch).containsOnly((short) 0);
        assertThat(sentBatches(0)).extracting(RecordBatch::baseSequence).containsExactly(0, 1);
    }

    @Test
    void definiteNonRetriableErrorsFailAtOnce() throws Exception {
        broker.failNextProduces(new TopicPartition("events", 0), ErrorCode.CORRUPT_RECORD);
        try (Producer producer = new Producer(config().build())) {
            TributaryException e = failure(producer.send(ProducerRecord.of("events", 0, null, bytes("v"))));
            assertThat(e).isInstanceOf(CorruptRecordException.class);
            assertThat(e.isDefinite()).isTrue();
        }
        assertThat(broker.produceRequests()).hasSize(1);
    }

    @Test
    void withoutIdempotenceARequestPastItsDeadlineFailsIndefinitely() throws Exception {
        broker.hangProduce(true);
        try (Producer producer = new Producer(config().enableIdempotence(false).requestTimeoutMs(300)
                .deliveryTimeoutMs(1_000).build())) {
            TributaryException e = failure(producer.send(ProducerRecord.of("events", 0, null, bytes("v"))));
            assertThat(e).isInstanceOf(TimeoutException.class);
            assertThat(e.isDefinite()).isFalse();
        }
        assertThat(broker.produceRequests()).hasSize(1);
    }

    @Test
    void retriesStopAtTheDeliveryTimeout() throws Exception {
        ErrorCode[] errors = new ErrorCode[10_000];
        java.util.Arrays.fill(errors, ErrorCode.NOT_LEADER_OR_FOLLOWER);
        broker.failNextProduces(new TopicPartition("events", 0), errors);
        try (Producer producer = new Producer(config().lingerMs(0).requestTimeoutMs(100).deliveryTimeoutMs(400)
                .retryBackoffMs(20).build())) {
            TributaryException e = failure(producer.send(ProducerRecord.of("events", 0, null, bytes("v"))));
            assertThat(e).isInstanceOfAny(NotLeaderOrFollowerException.class, TimeoutException.class);
            assertThat(e.isDefinite()).isTrue();
        }
    }

    @Test
    void oversizedRecordsFailAtOnceWithoutASend() throws Exception {
        try (Producer producer = new Producer(config().maxRequestSize(1_000).build())) {
            TributaryException e = failure(producer.send(ProducerRecord.of("events", 0, null, new byte[2_000])));
            assertThat(e).isInstanceOf(RecordTooLargeException.class);
            assertThat(e.isDefinite()).isTrue();
        }
        assertThat(broker.produceRequests()).isEmpty();
    }

    @Test
    void unknownTopicFailsAfterTheMetadataWait() throws Exception {
        try (Producer producer = new Producer(config().maxBlockMs(300).build())) {
            TributaryException e = failure(producer.send(ProducerRecord.of("missing", null, bytes("v"))));
            assertThat(e).isInstanceOf(UnknownTopicOrPartitionException.class);
            assertThat(e.isDefinite()).isTrue();
            TributaryException badPartition = failure(producer.send(ProducerRecord.of("events", 7, null, bytes("v"))));
            assertThat(badPartition).isInstanceOf(UnknownTopicOrPartitionException.class);
        }
    }

    @Test
    void unreachableBootstrapTimesOutDefinitely() throws Exception {
        String dead = broker.address();
        broker.close();
        try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(dead).maxBlockMs(300)
                .retryBackoffMs(20).build())) {
            TributaryException e = failure(producer.send(ProducerRecord.of("events", null, bytes("v"))));
            assertThat(e).isInstanceOf(TimeoutException.class);
            assertThat(e.isDefinite()).isTrue();
        }
    }

    @Test
    void partitionsForDescribesTheTopic() {
        try (Producer producer = new Producer(config().build())) {
            List<PartitionInfo> partitions = producer.partitionsFor("events");
            assertThat(partitions).extracting(PartitionInfo::partition).containsExactly(0, 1, 2);
            assertThat(partitions).allSatisfy(p -> assertThat(p.leaderId()).isEqualTo(FakeTributary.NODE_ID));
        }
    }

    @Test
    void bufferMemoryIsReturnedAndSendAfterCloseIsRejected() throws Exception {
        Producer producer = new Producer(config().bufferMemory(1 << 20).batchSize(1 << 10).build());
        for (int i = 0; i < 200; i++) {
            producer.send(ProducerRecord.of("events", i % 3, null, new byte[100]));
        }
        producer.flush();
        assertThat(producer.availableBufferMemory()).isEqualTo(1 << 20);
        producer.close();
        producer.close();
        assertThatThrownBy(() -> producer.send(ProducerRecord.of("events", null, bytes("v"))))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sendBlocksOnFullBufferThenTimesOutDefinitely() throws Exception {
        broker.hangProduce(true);
        try (Producer producer = new Producer(config().bufferMemory(2_048).batchSize(1_024).maxBlockMs(200)
                .requestTimeoutMs(500).deliveryTimeoutMs(5_000).lingerMs(0).build())) {
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                futures.add(producer.send(ProducerRecord.of("events", i, null, new byte[500])));
            }
            TributaryException e = failure(futures.get(2));
            assertThat(e).isInstanceOf(TimeoutException.class);
            assertThat(e.isDefinite()).isTrue();
            assertThat(e.getMessage()).contains("buffer memory");
            broker.hangProduce(false);
        }
    }
}
