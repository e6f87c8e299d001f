package io.tributary.client;

import io.tributary.proto.TopicPartition;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A rough throughput probe against the in-process fake broker (not a benchmark: the fake shares the
 * JVM and its CPU). Surefire's default includes skip it; run it with {@code -Dtest=ThroughputProbe}.
 */
class ThroughputProbe {
    @Test
    void probe() throws Exception {
        try (FakeTributary broker = new FakeTributary()) {
            broker.createTopic("bench", 6);
            byte[] value = new byte[100];
            int n = 1_000_000;
            try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(broker.address()).build())) {
                for (int round = 0; round < 2; round++) {
                    long start = System.nanoTime();
                    CompletableFuture<RecordMetadata> last = null;
                    for (int i = 0; i < n; i++) {
                        last = producer.send(ProducerRecord.of("bench", null, value));
                    }
                    producer.flush();
                    last.get();
                    double secs = (System.nanoTime() - start) / 1e9;
                    System.out.printf("producer: %.0f rec/s%n", n / secs);
                }
            }
            try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(broker.address())
                    .autoOffsetReset(AutoOffsetReset.EARLIEST).build())) {
                List<TopicPartition> tps = new java.util.ArrayList<>();
                for (int p = 0; p < 6; p++) {
                    tps.add(new TopicPartition("bench", p));
                }
                consumer.assign(tps);
                long start = System.nanoTime();
                long got = 0;
                while (got < 2L * n) {
                    got += consumer.poll(Duration.ofSeconds(5)).size();
                }
                double secs = (System.nanoTime() - start) / 1e9;
                System.out.printf("consumer: %.0f rec/s%n", got / secs);
            }
        }
    }
}
