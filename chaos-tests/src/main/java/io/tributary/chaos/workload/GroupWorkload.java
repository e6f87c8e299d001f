package io.tributary.chaos.workload;

import io.tributary.chaos.history.History;
import io.tributary.chaos.history.HistoryEvent.Type;
import io.tributary.client.Admin;
import io.tributary.client.AutoOffsetReset;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRebalanceListener;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.OffsetAndMetadata;
import io.tributary.proto.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer group of a few members reading the workload topic for the whole run: each member
 * records what the group gives and takes back (ASSIGNED / REVOKED), every record it returns (READ)
 * and every commit the coordinator acknowledged (COMMIT). Members commit by hand every
 * {@value #COMMIT_INTERVAL_MS} ms and when a partition is revoked, so that every acknowledged
 * commit is in the history. After the run, {@link #recordFinalOffsets} writes the group's committed
 * offsets (GROUP_FINAL). The checker's {@code GroupChecks} judges them.
 */
public final class GroupWorkload implements AutoCloseable {
    public static final String GROUP = "chaos-group";
    private static final Logger log = LoggerFactory.getLogger(GroupWorkload.class);
    private static final long COMMIT_INTERVAL_MS = 500;

    private final String process;
    private final History history;
    private final Consumer consumer;
    private final String topic;
    private final Thread thread;
    /** The offset after the last record read of each partition this member owns (what it commits). */
    private final Map<TopicPartition, Long> readUpTo = new HashMap<>();
    private volatile boolean running = true;

    public GroupWorkload(int index, List<String> bootstrap, String topic, History history) {
        this.process = "g" + index;
        this.history = history;
        this.topic = topic;
        this.consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).requestTimeoutMs(5_000)
                .groupId(GROUP).enableAutoCommit(false).rebalanceTimeoutMs(20_000)
                .autoOffsetReset(AutoOffsetReset.EARLIEST).build());
        this.thread = new Thread(this::run, "chaos-" + process);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    commit(partitions); // still owned here: the next owner starts from this commit
                    partitions.forEach(tp -> {
                        readUpTo.remove(tp);
                        history.record(process, Type.REVOKED, tp.partition(), "", -1, "revoked");
                    });
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    partitions.forEach(tp -> {
                        readUpTo.remove(tp);
                        history.record(process, Type.ASSIGNED, tp.partition(), "", -1, "");
                    });
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    partitions.forEach(tp -> {
                        readUpTo.remove(tp);
                        history.record(process, Type.REVOKED, tp.partition(), "", -1, "lost");
                    });
                }
            });
            long nextCommitNanos = System.nanoTime();
            while (running) {
                try {
                    for (ConsumerRecord record : consumer.poll(Duration.ofMillis(200))) {
                        history.record(process, Type.READ, record.partition(),
                                new String(record.value(), StandardCharsets.UTF_8), record.offset(), "");
                        readUpTo.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                    }
                    if (System.nanoTime() >= nextCommitNanos) {
                        nextCommitNanos = System.nanoTime() + COMMIT_INTERVAL_MS * 1_000_000;
                        commit(List.copyOf(readUpTo.keySet()));
                    }
                } catch (RuntimeException e) {
                    log.info("{} poll failed: {}", process, e.toString());
                }
            }
            commit(List.copyOf(readUpTo.keySet()));
        } finally {
            consumer.close(); // leaves the group (nothing left to commit: enableAutoCommit is off)
        }
    }

    /** Commits what this member read of {@code partitions}, recording each acknowledged commit; a refused one is only logged. */
    private void commit(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Long next = readUpTo.get(tp);
            if (next != null) {
                offsets.put(tp, new OffsetAndMetadata(next));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
            offsets.forEach((tp, offset) -> history.record(process, Type.COMMIT, tp.partition(), "", offset.offset(), ""));
        } catch (RuntimeException e) {
            log.info("{} commit of {} failed: {}", process, offsets.keySet(), e.toString());
        }
    }

    /** Writes the group's committed offsets after the run as GROUP_FINAL events (none when they cannot be read). */
    public static void recordFinalOffsets(List<String> bootstrap, History history) {
        try (Admin admin = Admin.create(bootstrap, Duration.ofSeconds(30))) {
            admin.listGroupOffsets(GROUP).forEach((tp, offset) ->
                    history.record(io.tributary.chaos.history.HistoryEvent.GROUP, Type.GROUP_FINAL, tp.partition(), "",
                            offset.offset(), ""));
        } catch (RuntimeException e) {
            log.warn("the group's final offsets could not be read: {}", e.toString());
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }
}
