package io.tributary.cli;

import io.tributary.client.Admin;
import io.tributary.client.AutoOffsetReset;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRebalanceListener;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.OffsetOutOfRangeException;
import io.tributary.proto.TopicPartition;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints records of a topic. Without --follow it stops at the end offsets seen when it started. */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Print records of a topic (UTF-8). Without --follow, stops at the end of the log as it was at start.")
final class ConsumeCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster;

    @Option(names = "--topic", required = true)
    String topic;

    @Option(names = "--partition", description = "Only this partition (default: all).")
    Integer partition;

    static final class StartPosition {
        @Option(names = "--from-beginning", description = "Start at the earliest offset.")
        boolean fromBeginning;

        @Option(names = "--offset", paramLabel = "N", description = "Start at offset N (in every selected partition).")
        Long offset;

        @Option(names = "--from-time", paramLabel = "TIME",
                description = "Start at the first record with a timestamp at or after TIME: an ISO-8601 instant "
                        + "(2026-11-30T10:00:00Z) or milliseconds since the epoch.")
        String fromTime;
    }

    @ArgGroup(exclusive = true)
    StartPosition start = new StartPosition();

    @Option(names = "--follow", description = "Keep waiting for new records until interrupted.")
    boolean follow;

    @Option(names = "--max-messages", defaultValue = "-1", description = "Stop after this many records (-1: no limit).")
    long maxMessages;

    @Option(names = "--print-key", description = "Print key SEP value.")
    boolean printKey;

    @Option(names = "--key-separator", defaultValue = "\t", description = "Separator for --print-key. Default: tab")
    String keySeparator;

    @Option(names = "--print-offsets", description = "Prefix each record with partition@offset.")
    boolean printOffsets;

    @Option(names = "--group", paramLabel = "GROUP",
            description = "Read as a member of consumer group GROUP: the group splits the topic's partitions among its "
                    + "members, each starts from the group's committed offsets (else the end, or the start with "
                    + "--from-beginning) and commits as it goes. Runs until interrupted, --max-messages or --timeout-ms.")
    String group;

    @Option(names = "--instance-id", paramLabel = "ID",
            description = "With --group: a static member id; a restart under it within the session keeps the partitions.")
    String instanceId;

    @Option(names = "--timeout-ms", defaultValue = "-1",
            description = "With --group: exit after this long without a record (-1: never).")
    long timeoutMs;

    @Override
    public Integer call() {
        if (group != null) {
            return consumeAsMember();
        }
        if (instanceId != null || timeoutMs >= 0) {
            throw new IllegalArgumentException("--instance-id and --timeout-ms apply only with --group");
        }
        List<TopicPartition> partitions = TopicSupport.partitions(cluster.servers(), topic, partition);
        Map<TopicPartition, Long> endOffsets = new HashMap<>();
        Map<TopicPartition, Long> fromTimeOffsets = new HashMap<>();
        long fromTimeMs = start.fromTime == null ? -1 : parseTime(start.fromTime);
        try (Admin admin = Admin.create(cluster.servers())) {
            for (TopicPartition tp : partitions) {
                endOffsets.put(tp, admin.listOffsets(tp, Admin.LATEST));
                if (start.offset != null) {
                    checkInRange(tp, start.offset, admin.listOffsets(tp, Admin.EARLIEST), endOffsets.get(tp));
                }
                if (fromTimeMs >= 0) {
                    long found = admin.listOffsets(tp, fromTimeMs); // -1: no record that recent
                    fromTimeOffsets.put(tp, found < 0 ? endOffsets.get(tp) : found);
                }
            }
        }
        PrintStream out = System.out;
        long printed = 0;
        ConsumerConfig.Builder config = ConsumerConfig.builder().bootstrapServers(cluster.servers());
        if (start.offset != null) {
            config.autoOffsetReset(AutoOffsetReset.NONE); // an offset deleted meanwhile is an error, not a jump
        }
        try (Consumer consumer = new Consumer(config.build())) {
            consumer.assign(partitions);
            for (TopicPartition tp : partitions) {
                if (start.offset != null) {
                    consumer.seek(tp, start.offset);
                } else if (fromTimeMs >= 0) {
                    consumer.seek(tp, fromTimeOffsets.get(tp));
                } else if (start.fromBeginning) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seekToEnd(List.of(tp));
                }
            }
            while (maxMessages < 0 || printed < maxMessages) {
                if (!follow && reachedEnd(consumer, partitions, endOffsets)) {
                    break;
                }
                for (ConsumerRecord record : consumer.poll(Duration.ofMillis(500))) {
                    out.println(format(record));
                    printed++;
                    if (maxMessages >= 0 && printed >= maxMessages) {
                        break;
                    }
                }
            }
        }
        out.flush();
        return TributaryCli.EXIT_OK;
    }

    /**
     * Reads as a group member until stopped: an interrupt (Ctrl-C, SIGTERM) ends the loop and the
     * consumer leaves the group cleanly (committing what was printed), so its partitions move to the
     * other members at once instead of after the session.
     */
    private int consumeAsMember() {
        if (partition != null || start.offset != null || start.fromTime != null || follow) {
            throw new IllegalArgumentException("--group reads the partitions its group assigns, from the group's committed "
                    + "offsets: --partition, --offset, --from-time and --follow do not apply (move a group's offsets with "
                    + "`tributary group reset-offsets`)");
        }
        TopicSupport.partitions(cluster.servers(), topic); // an unknown topic is an error, not an endless wait
        ConsumerConfig config = ConsumerConfig.builder().bootstrapServers(cluster.servers()).groupId(group)
                .groupInstanceId(instanceId).autoCommitIntervalMs(1_000)
                .autoOffsetReset(start.fromBeginning ? AutoOffsetReset.EARLIEST : AutoOffsetReset.LATEST).build();
        AtomicBoolean stopping = new AtomicBoolean();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread onSignal = new Thread(() -> {
            stopping.set(true);
            try {
                stopped.await(15, TimeUnit.SECONDS); // the loop leaves the group, then the JVM exits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "consume-shutdown");
        Runtime.getRuntime().addShutdownHook(onSignal);
        PrintStream out = System.out;
        long printed = 0;
        try (Consumer consumer = new Consumer(config)) {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    System.err.println("group " + group + ": gave up " + partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    System.err.println("group " + group + ": reading " + partitions);
                }
            });
            long lastRecordNanos = System.nanoTime();
            while (!stopping.get() && (maxMessages < 0 || printed < maxMessages)) {
                List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(200));
                for (int i = 0; i < records.size(); i++) {
                    if (maxMessages >= 0 && printed >= maxMessages) {
                        rewindToUnprinted(consumer, records.subList(i, records.size()));
                        break;
                    }
                    out.println(format(records.get(i)));
                    printed++;
                }
                if (!records.isEmpty()) {
                    lastRecordNanos = System.nanoTime();
                } else if (timeoutMs >= 0 && System.nanoTime() - lastRecordNanos >= TimeUnit.MILLISECONDS.toNanos(timeoutMs)) {
                    break;
                }
            }
            out.flush();
        } finally {
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waited for this
            }
        }
        return TributaryCli.EXIT_OK;
    }

    /** Records poll returned but this command did not print must not be committed: seek back to the first of each partition. */
    private static void rewindToUnprinted(Consumer consumer, List<ConsumerRecord> unprinted) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord record : unprinted) {
            first.putIfAbsent(new TopicPartition(record.topic(), record.partition()), record.offset());
        }
        first.forEach(consumer::seek);
    }

    /**
     * An --offset outside what the partition holds would print nothing and succeed (beyond the end)
     * or silently start elsewhere (before the start): say so, with the bounds.
     */
    static void checkInRange(TopicPartition tp, long offset, long logStart, long end) {
        if (offset < logStart || offset > end) {
            throw new OffsetOutOfRangeException("offset " + offset + " is out of range for " + tp.topic() + "-"
                    + tp.partition() + ": " + (logStart == end ? "it holds no records; the next offset is " + end
                    : "it holds offsets " + logStart + " to " + (end - 1) + " (the next is " + end + ")"));
        }
    }

    /** An ISO-8601 instant or epoch milliseconds; anything else is a usage error naming both forms. */
    static long parseTime(String text) {
        try {
            return text.chars().allMatch(Character::isDigit) ? Long.parseLong(text) : Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException("--from-time '" + text + "' is neither an ISO-8601 instant such as "
                    + "2026-11-30T10:00:00Z nor milliseconds since the epoch");
        }
    }

    private static boolean reachedEnd(Consumer consumer, List<TopicPartition> partitions, Map<TopicPartition, Long> ends) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < ends.get(tp)) {
                return false;
            }
        }
        return true;
    }

    private String format(ConsumerRecord record) {
        StringBuilder line = new StringBuilder();
        if (printOffsets) {
            line.append(record.partition()).append('@').append(record.offset()).append(' ');
        }
        if (printKey) {
            line.append(text(record.key())).append(keySeparator);
        }
        return line.append(text(record.value())).toString();
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }
}
