package io.tributary.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two fake brokers: requests follow the leader that metadata names. */
class RoutingTest {
    private FakeTributary first;
    private FakeTributary second;

    @BeforeEach
    void start() throws Exception {
        first = new FakeTributary();
        second = new FakeTributary();
        for (FakeTributary broker : List.of(first, second)) {
            broker.createTopic("events", 1);
            broker.setBrokers(List.of(first.self(1), second.self(2)));
        }
    }

    @AfterEach
    void stop() throws Exception {
        first.close();
        second.close();
    }

    @Test
    void producerAndConsumerFollowTheLeaderAfterNotLeader() throws Exception {
        byte[] value = "v".getBytes(StandardCharsets.UTF_8);
        try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(first.address())
                .retryBackoffMs(10).lingerMs(0).build())) {
            assertThat(producer.partitionsFor("events").get(0).leaderId()).isEqualTo(1);
            assertThat(producer.send(ProducerRecord.of("events", null, value)).get().offset()).isZero();
            assertThat(first.produceRequests()).hasSize(1);

            // leadership moves to node 2; the old leader now rejects writes
            ErrorCode[] rejections = new ErrorCode[1_000];
            java.util.Arrays.fill(rejections, ErrorCode.NOT_LEADER_OR_FOLLOWER);
            first.failNextProduces(new TopicPartition("events", 0), rejections);
            second.takeOverProducersFrom(first);
            first.setLeaderId(2);
            second.setLeaderId(2);
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                futures.add(producer.send(ProducerRecord.of("events", null, value)));
            }
            producer.flush();
            for (int i = 0; i < 10; i++) {
                assertThat(futures.get(i).get().offset()).isEqualTo(i);
            }
        }
        assertThat(second.records("events", 0)).hasSize(10);

        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(first.address())
                .autoOffsetReset(AutoOffsetReset.EARLIEST).fetchMaxWaitMs(100).build())) {
            consumer.assign(List.of(new TopicPartition("events", 0)));
            List<ConsumerRecord> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (records.size() < 10 && System.nanoTime() < deadline) {
                records.addAll(consumer.poll(Duration.ofMillis(200)));
            }
            assertThat(records).hasSize(10);
        }
    }

    /**
     * Issue 9, availability: a request unanswered by a leader that is gone, paused or cut off is
     * resent to the new leader as soon as metadata names one, not after its deadline.
     */
    @Test
    void aRequestStuckOnAReplacedLeaderIsResentToTheNewLeaderBeforeItsDeadline() throws Exception {
        first.setLeaderId(1);
        second.setLeaderId(1);
        first.setMetadataVersion(1);
        second.setMetadataVersion(1);
        byte[] value = "v".getBytes(StandardCharsets.UTF_8);
        try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(first.address(), second.address())
                .retryBackoffMs(10).lingerMs(0).requestTimeoutMs(30_000).deliveryTimeoutMs(60_000).build())) {
            assertThat(producer.send(ProducerRecord.of("events", null, value)).get().offset()).isZero();
            first.hangProduce(true); // the leader stops answering (paused, or cut off from the client)
            long start = System.nanoTime();
            CompletableFuture<RecordMetadata> stuck = producer.send(ProducerRecord.of("events", null, value));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> first.produceRequests().size() == 2);

            second.takeOverProducersFrom(first); // node 2 is elected (the fake keeps the producers' sequences)
            for (FakeTributary broker : List.of(first, second)) {
                broker.setLeaderId(2);
                broker.setLeaderEpoch(1);
                broker.setMetadataVersion(2);
            }
            stuck.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("well before the 30 s request deadline")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(second.records("events", 0)).as("written once, by the new leader").hasSize(1);
        }
    }

    /** Issue 9, hole 4: a node behind the metadata quorum must not send the client back to a replaced leader. */
    @Test
    void olderMetadataNeverReplacesNewer() throws Exception {
        first.setLeaderId(1);        // a node cut off from the quorum: still names itself leader
        first.setMetadataVersion(9);
        second.setLeaderId(2);       // the current view
        second.setMetadataVersion(11);
        io.tributary.client.internal.ChannelPool channels = new io.tributary.client.internal.ChannelPool();
        try {
            io.tributary.client.internal.MetadataManager metadata = new io.tributary.client.internal.MetadataManager(
                    channels, io.tributary.client.internal.BrokerAddress.parseAll(List.of(second.address(),
                    first.address())), 5_000, 0, null);
            metadata.addTopics(List.of("events"));
            io.tributary.client.internal.BrokerAddress newLeader = metadata.refresh().get().leaderFor("events", 0);
            assertThat(newLeader.toString()).endsWith(second.address().substring(second.address().indexOf(':')));
            for (int i = 0; i < 6; i++) { // refreshes rotate over both nodes
                assertThat(metadata.refresh().get().leaderFor("events", 0)).isEqualTo(newLeader);
            }
            assertThat(metadata.cluster().metadataVersion()).isEqualTo(11);
            first.setMetadataVersion(12); // once the node catches up, its answers count again
            first.setLeaderId(1);
            second.setMetadataVersion(12);
            second.setLeaderId(1);
            // A refresh may join one already under way (started before the change): ask a few times.
            for (int i = 0; i < 10 && metadata.cluster().metadataVersion() < 12; i++) {
                metadata.refresh().get();
            }
            assertThat(metadata.cluster().metadataVersion()).isEqualTo(12);
            assertThat(metadata.cluster().leaderFor("events", 0)).isNotEqualTo(newLeader);
        } finally {
            channels.close();
        }
    }

    /** KIP-320: a consumer fetches with the leader epoch its metadata holds, so a replaced leader refuses it. */
    @Test
    void consumerFetchesWithTheLeaderEpochOfItsMetadata() throws Exception {
        first.setLeaderEpoch(7);
        first.append("events", 0, new io.tributary.record.RecordBatchBuilder(256)
                .append(1L, null, "v".getBytes(StandardCharsets.UTF_8)).build());
        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(first.address())
                .autoOffsetReset(AutoOffsetReset.EARLIEST).fetchMaxWaitMs(100).build())) {
            consumer.assign(List.of(new TopicPartition("events", 0)));
            List<ConsumerRecord> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (records.isEmpty() && System.nanoTime() < deadline) {
                records.addAll(consumer.poll(Duration.ofMillis(200)));
            }
            assertThat(records).hasSize(1);
        }
        assertThat(first.fetchRequests()).isNotEmpty().allSatisfy(r ->
                assertThat(r.getTopics(0).getPartitions(0).getCurrentLeaderEpoch()).isEqualTo(7));
    }

    @Test
    void boundedCloseFailsWhatItCouldNotSend() throws Exception {
        first.setLeaderId(-1);
        second.setLeaderId(-1);
        Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(first.address())
                .retryBackoffMs(10).build());
        CompletableFuture<RecordMetadata> future = producer.send(ProducerRecord.of("events", null, new byte[1]));
        producer.close(Duration.ofMillis(100));
        try {
            future.get();
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            TributaryException cause = (TributaryException) e.getCause();
            assertThat(cause).isInstanceOf(TimeoutException.class);
            assertThat(cause.isDefinite()).isTrue();
        }
    }
}
