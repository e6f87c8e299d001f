package io.tributary.chaos.workload;

import io.tributary.chaos.history.History;
import io.tributary.chaos.history.HistoryEvent.Type;
import io.tributary.client.AutoOffsetReset;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.proto.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer assigned every partition, reading from the beginning for the whole run and recording
 * each record it returns as READ. An error from {@code poll} is logged and the loop goes on: what
 * the checker judges is the sequence of offsets the consumer returned, not its transient errors.
 */
public final class ConsumerWorkload implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerWorkload.class);

    private final String process;
    private final History history;
    private final Consumer consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public ConsumerWorkload(int index, List<String> bootstrap, String topic, int partitionCount, History history) {
        this.process = "c" + index;
        this.history = history;
        // from the start: after a trim, a position below the new start resets to it
        this.consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).requestTimeoutMs(5_000)
                .autoOffsetReset(AutoOffsetReset.EARLIEST).build());
        for (int p = 0; p < partitionCount; p++) {
            partitions.add(new TopicPartition(topic, p));
        }
        this.thread = new Thread(this::run, "chaos-" + process);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            consumer.assign(partitions);
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, 0);
                history.record(process, Type.SEEK, tp.partition(), "", 0, "start");
            }
            while (running) {
                try {
                    for (ConsumerRecord record : consumer.poll(Duration.ofMillis(200))) {
                        history.record(process, Type.READ, record.partition(),
                                new String(record.value(), StandardCharsets.UTF_8), record.offset(), "");
                    }
                } catch (RuntimeException e) {
                    log.info("{} poll failed: {}", process, e.toString());
                }
            }
        } finally {
            consumer.close();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }
}
