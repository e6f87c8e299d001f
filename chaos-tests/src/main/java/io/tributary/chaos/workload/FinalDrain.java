package io.tributary.chaos.workload;

import io.tributary.chaos.history.History;
import io.tributary.chaos.history.HistoryEvent;
import io.tributary.chaos.history.HistoryEvent.Type;
import io.tributary.client.Admin;
import io.tributary.client.AutoOffsetReset;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.proto.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After the cluster healed: a fresh consumer reads every partition from offset 0 up to its end
 * (the high watermark as ListOffsets reports it once the workload stopped), recording every record
 * as a READ of the {@code final} process. What it read is "what the partitions hold" for the
 * checker. Gives up after {@code timeout}; a partition it could not finish shows as missing data
 * (and the run as not live).
 */
public final class FinalDrain {
    private static final Logger log = LoggerFactory.getLogger(FinalDrain.class);

    private FinalDrain() {
    }

    /** @return whether every partition was read to its end */
    public static boolean run(List<String> bootstrap, String topic, int partitions, History history, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> ends = endOffsets(bootstrap, topic, partitions, deadline);
        if (ends == null) {
            log.warn("final drain: no end offsets within {}", timeout);
            return false;
        }
        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap)
                .requestTimeoutMs(5_000).autoOffsetReset(AutoOffsetReset.EARLIEST).build())) {
            consumer.assign(ends.keySet());
            Map<TopicPartition, Long> next = new HashMap<>();
            for (TopicPartition tp : ends.keySet()) {
                consumer.seek(tp, 0);
                next.put(tp, 0L);
            }
            while (next.entrySet().stream().anyMatch(e -> e.getValue() < ends.get(e.getKey()))) {
                if (System.nanoTime() > deadline) {
                    log.warn("final drain: read up to {}, ends {}, within {}", next, ends, timeout);
                    return false;
                }
                List<ConsumerRecord> records;
                try {
                    records = consumer.poll(Duration.ofMillis(500));
                } catch (RuntimeException e) {
                    log.info("final drain poll failed: {}", e.toString());
                    continue;
                }
                for (ConsumerRecord record : records) {
                    history.record(HistoryEvent.FINAL, Type.READ, record.partition(),
                            record.value() == null ? "" : new String(record.value(), StandardCharsets.UTF_8),
                            record.offset(), "");
                }
                for (TopicPartition tp : ends.keySet()) {
                    try {
                        next.put(tp, consumer.position(tp)); // past compaction's gaps too, which hold no record
                    } catch (RuntimeException e) {
                        log.info("final drain: position of {} not known yet: {}", tp, e.toString());
                    }
                }
            }
            return true;
        }
    }

    private static Map<TopicPartition, Long> endOffsets(List<String> bootstrap, String topic, int partitions,
                                                        long deadline) {
        Map<TopicPartition, Long> ends = new HashMap<>();
        try (Admin admin = Admin.create(bootstrap, Duration.ofSeconds(5))) {
            List<TopicPartition> pending = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                pending.add(new TopicPartition(topic, p));
            }
            while (!pending.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    return null;
                }
                TopicPartition tp = pending.get(0);
                try {
                    ends.put(tp, admin.listOffsets(tp, Admin.LATEST));
                    pending.remove(0);
                } catch (RuntimeException e) {
                    log.info("final drain: end offset of {} not known yet: {}", tp, e.toString());
                }
            }
        }
        return ends;
    }
}
