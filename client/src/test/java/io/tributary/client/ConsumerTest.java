package io.tributary.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.proto.TopicPartition;
import io.tributary.record.Header;
import io.tributary.record.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConsumerTest {
    private static final TopicPartition P0 = new TopicPartition("events", 0);
    private static final TopicPartition P1 = new TopicPartition("events", 1);
    private static final Duration LONG = Duration.ofSeconds(10);

    private FakeTributary broker;

    @BeforeEach
    void start() throws Exception {
        broker = new FakeTributary();
        broker.createTopic("events", 2);
    }

    @AfterEach
    void stop() throws Exception {
        broker.close();
    }

    private ConsumerConfig.Builder config() {
        return ConsumerConfig.builder().bootstrapServers(broker.address()).fetchMaxWaitMs(100)
                .requestTimeoutMs(5_000).retryBackoffMs(10).autoOffsetReset(AutoOffsetReset.EARLIEST);
    }

    /** Appends a batch of {@code count} records "prefix-i" and returns its base offset. */
    private long append(TopicPartition tp, String prefix, int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(1024);
        for (int i = 0; i < count; i++) {
            builder.append(1_000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    (prefix + "-" + i).getBytes(StandardCharsets.UTF_8),
                    i == 0 ? List.of(new Header("first", new byte[] {1})) : List.of());
        }
        return broker.append(tp.topic(), tp.partition(), builder.build());
    }

    /** Polls until {@code count} records arrived (or fails after LONG). */
    private static List<ConsumerRecord> pollUntil(Consumer consumer, int count) {
        List<ConsumerRecord> out = new ArrayList<>();
        long deadline = System.nanoTime() + LONG.toNanos();
        while (out.size() < count && System.nanoTime() < deadline) {
            out.addAll(consumer.poll(Duration.ofMillis(200)));
        }
        assertThat(out).hasSize(count);
        return out;
    }

    private static String value(ConsumerRecord record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    @Test
    void readsFromTheBeginningInOffsetOrderPerPartition() {
        append(P0, "a", 3);
        append(P0, "b", 2);
        append(P1, "c", 4);
        try (Consumer consumer = new Consumer(config().build())) {
            consumer.assign(List.of(P0, P1));
            assertThat(consumer.assignment()).isEqualTo(Set.of(P0, P1));
            List<ConsumerRecord> records = pollUntil(consumer, 9);
            List<ConsumerRecord> p0 = records.stream().filter(r -> r.partition() == 0).toList();
            List<ConsumerRecord> p1 = records.stream().filter(r -> r.partition() == 1).toList();
            assertThat(p0).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
            assertThat(p0).extracting(ConsumerTest::value).containsExactly("a-0", "a-1", "a-2", "b-0", "b-1");
            assertThat(p1).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 3L);
            assertThat(p0.get(0).headers()).containsExactly(new Header("first", new byte[] {1}));
            assertThat(p0.get(1).headers()).isEmpty();
            assertThat(p0.get(2).timestamp()).isEqualTo(1_002L);
            assertThat(new String(p0.get(2).key(), StandardCharsets.UTF_8)).isEqualTo("k2");
            assertThat(consumer.position(P0)).isEqualTo(5);
            assertThat(consumer.position(P1)).isEqualTo(4);
            assertThat(consumer.poll(Duration.ofMillis(50))).isEmpty();
        }
    }

    @Test
    void aLongPollReturnsRecordsAppendedWhileWaiting() {
        try (Consumer consumer = new Consumer(config().fetchMaxWaitMs(5_000).build())) {
            consumer.assign(List.of(P0));
            assertThat(consumer.position(P0)).isZero();
            assertThat(consumer.poll(Duration.ofMillis(50))).isEmpty();
            append(P0, "late", 2);
            assertThat(pollUntil(consumer, 2)).extracting(ConsumerTest::value).containsExactly("late-0", "late-1");
        }
    }

    @Test
    void seekInsideABatchSkipsTheRecordsBelowTheFetchOffset() {
        append(P0, "a", 10);
        try (Consumer consumer = new Consumer(config().build())) {
            consumer.assign(List.of(P0));
            consumer.seek(P0, 7);
            assertThat(consumer.position(P0)).isEqualTo(7);
            List<ConsumerRecord> records = pollUntil(consumer, 3);
            assertThat(records).extracting(ConsumerRecord::offset).containsExactly(7L, 8L, 9L);
            assertThat(consumer.position(P0)).isEqualTo(10);
        }
    }

    @Test
    void seekDiscardsPrefetchedDataAndRereads() {
        append(P0, "a", 5);
        append(P0, "b", 5);
        try (Consumer consumer = new Consumer(config().maxPollRecords(3).build())) {
            consumer.assign(List.of(P0));
            assertThat(pollUntil(consumer, 3)).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L);
            assertThat(consumer.position(P0)).isEqualTo(3);
            consumer.seek(P0, 1);
            assertThat(consumer.position(P0)).isEqualTo(1);
            List<ConsumerRecord> again = pollUntil(consumer, 9);
            assertThat(again).extracting(ConsumerRecord::offset).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        }
    }

    @Test
    void maxPollRecordsSplitsABatchWithoutSkipping() {
        append(P0, "a", 25);
        try (Consumer consumer = new Consumer(config().maxPollRecords(4).build())) {
            consumer.assign(List.of(P0));
            List<Long> offsets = new ArrayList<>();
            long deadline = System.nanoTime() + LONG.toNanos();
            while (offsets.size() < 25 && System.nanoTime() < deadline) {
                List<ConsumerRecord> batch = consumer.poll(Duration.ofMillis(200));
                assertThat(batch.size()).isLessThanOrEqualTo(4);
                batch.forEach(r -> offsets.add(r.offset()));
            }
            assertThat(offsets).hasSize(25);
            for (int i = 0; i < 25; i++) {
                assertThat(offsets.get(i)).isEqualTo(i);
            }
        }
    }

    @Test
    void latestResetSeesOnlyNewRecordsAndSeekToBeginningRewinds() {
        append(P0, "old", 3);
        try (Consumer consumer = new Consumer(config().autoOffsetReset(AutoOffsetReset.LATEST).build())) {
            consumer.assign(List.of(P0));
            assertThat(consumer.position(P0)).isEqualTo(3);
            append(P0, "new", 1);
            assertThat(pollUntil(consumer, 1)).extracting(ConsumerTest::value).containsExactly("new-0");
            consumer.seekToBeginning(List.of(P0));
            assertThat(consumer.position(P0)).isZero();
            assertThat(pollUntil(consumer, 4)).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 3L);
            consumer.seekToEnd(List.of());
            assertThat(consumer.position(P0)).isEqualTo(4);
        }
    }

    @Test
    void outOfRangeResetsToEarliest() {
        append(P0, "a", 3);
        append(P0, "b", 3);
        broker.truncateBefore("events", 0, 3);
        try (Consumer consumer = new Consumer(config().build())) {
            consumer.assign(List.of(P0));
            consumer.seek(P0, 1);
            List<ConsumerRecord> records = pollUntil(consumer, 3);
            assertThat(records).extracting(ConsumerRecord::offset).containsExactly(3L, 4L, 5L);
        }
    }

    @Test
    void positionBelowTheLeadersStartMovesToThatStartNeverBack() {
        append(P0, "a", 2);
        append(P0, "b", 1);
        append(P0, "c", 3);
        broker.truncateBefore("events", 0, 3);
        // a ListOffsets would reach a leader whose retention lags and send the consumer back to 1
        broker.listEarliestAs("events", 0, 1);
        try (Consumer consumer = new Consumer(config().build())) {
            consumer.assign(List.of(P0));
            consumer.seek(P0, 2); // where a consumer that had read 0 and 1 stands
            assertThat(pollUntil(consumer, 3)).extracting(ConsumerRecord::offset).containsExactly(3L, 4L, 5L);
        }
    }

    @Test
    void outOfRangeThrowsWithResetNone() {
        append(P0, "a", 3);
        try (Consumer consumer = new Consumer(config().autoOffsetReset(AutoOffsetReset.NONE).build())) {
            consumer.assign(List.of(P0));
            assertThatThrownBy(() -> consumer.poll(Duration.ofMillis(10)))
                    .isInstanceOf(NoOffsetForPartitionException.class);
            assertThatThrownBy(() -> consumer.position(P0)).isInstanceOf(NoOffsetForPartitionException.class);
            consumer.seek(P0, 50);
            assertThatThrownBy(() -> {
                long deadline = System.nanoTime() + LONG.toNanos();
                while (System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200));
                }
            }).isInstanceOf(OffsetOutOfRangeException.class).hasMessageContaining("50");
            assertThat(consumer.position(P0)).isEqualTo(50);
            consumer.seek(P0, 2);
            assertThat(pollUntil(consumer, 1)).extracting(ConsumerRecord::offset).containsExactly(2L);
        }
    }

    @Test
    void unassignedPartitionsAreRejected() {
        try (Consumer consumer = new Consumer(config().build())) {
            assertThatThrownBy(() -> consumer.poll(Duration.ZERO)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> consumer.seek(P0, 0)).isInstanceOf(IllegalStateException.class);
            consumer.assign(List.of(P0));
            assertThatThrownBy(() -> consumer.seek(P0, -1)).isInstanceOf(IllegalArgumentException.class);
            consumer.assign(List.of(P1));
            assertThat(consumer.assignment()).containsExactly(P1);
        }
    }

    @Test
    void producerToConsumerRoundTrip() throws Exception {
        int count = 5_000;
        try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(broker.address()).build())) {
            for (int i = 0; i < count; i++) {
                producer.send(ProducerRecord.of("events", ("key" + i).getBytes(StandardCharsets.UTF_8),
                        ("value" + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        try (Consumer consumer = new Consumer(config().maxPartitionFetchBytes(4_096).build())) {
            consumer.assign(List.of(P0, P1));
            List<ConsumerRecord> records = pollUntil(consumer, count);
            long[] next = new long[2];
            for (ConsumerRecord record : records) {
                assertThat(record.offset()).isEqualTo(next[record.partition()]++);
                String key = new String(record.key(), StandardCharsets.UTF_8);
                assertThat(value(record)).isEqualTo("value" + key.substring(3));
                assertThat(record.partition()).isEqualTo(DefaultPartitioner.partitionForKey(record.key(), 2));
            }
        }
    }
}
