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
