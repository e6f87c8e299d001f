package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.cli.local.LocalProcessCluster;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.client.OffsetAndMetadata;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.DescribedGroup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes: a 3-node cluster and three {@code tributary consume --group} processes over 12
 * partitions while a producer writes. One consumer is killed with SIGKILL (its partitions move to
 * the others once its session runs out), then the broker coordinating the group (a new coordinator
 * loads the group from the offsets topic). Throughout, no committed offset goes backwards, and at
 * the end every record below the group's committed offsets was printed by some consumer.
 */
class ConsumerGroupProcessTest {
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final int PARTITIONS = 12;

    @TempDir
    Path dir;

    private final List<Process> consumers = new ArrayList<>();

    private Process consumer(String bootstrap, int index) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path out = dir.resolve("consumer-" + index + ".out");
        Process process = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), TributaryCli.class.getName(), "consume", "--bootstrap", bootstrap,
                "--topic", TOPIC, "--group", GROUP, "--from-beginning", "--print-offsets")
                .redirectOutput(out.toFile()).redirectError(dir.resolve("consumer-" + index + ".err").toFile()).start();
        consumers.add(process);
        return process;
    }

    @Test
    void consumerAndCoordinatorKilledWithoutCommittedOffsetsGoingBackOrRecordsSkipped() throws Exception {
        try (LocalProcessCluster cluster = LocalProcessCluster.create(dir.resolve("cluster"), 3,
                List.of("group.consumer.session.timeout.ms=6000", "group.consumer.heartbeat.interval.ms=500",
                        "offsets.topic.num.partitions=3"))) {
            cluster.startAll();
            String bootstrap = cluster.bootstrap();
            List<String> servers = List.of(bootstrap.split(","));
            try (Admin admin = Admin.create(servers)) {
                admin.createTopic(NewTopic.of(TOPIC, PARTITIONS, 3));
            }
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread producer = new Thread(() -> produce(bootstrap, producing), "producer");
            producer.start();
            List<String> regressions = new CopyOnWriteArrayList<>();
            Map<TopicPartition, Long> lastCommitted = new ConcurrentHashMap<>();
            AtomicBoolean watching = new AtomicBoolean(true);
            Thread watcher = new Thread(() -> watchCommits(servers, lastCommitted, regressions, watching), "watcher");
            watcher.start();
            try (Admin admin = Admin.create(servers, Duration.ofSeconds(10))) {
                for (int i = 0; i < 3; i++) {
                    consumer(bootstrap, i);
                }
                await().atMost(Duration.ofSeconds(90)).until(() -> stableWith(admin, 3) && lastCommitted.size() == PARTITIONS);

                consumers.get(0).destroyForcibly(); // SIGKILL: no leave, no last commit
                Map<TopicPartition, Long> beforeKill = Map.copyOf(lastCommitted);
                await().atMost(Duration.ofSeconds(90)).until(() -> stableWith(admin, 2)
                        && allAdvancedPast(lastCommitted, beforeKill));

                int coordinator = admin.listGroups().stream().filter(g -> g.groupId().equals(GROUP)).findFirst()
                        .orElseThrow().coordinatorId();
                cluster.kill9(coordinator);
                Map<TopicPartition, Long> beforeFailover = Map.copyOf(lastCommitted);
                await().atMost(Duration.ofSeconds(90)).until(() -> allAdvancedPast(lastCommitted, beforeFailover));
                cluster.start(coordinator);
            } finally {
                producing.set(false);
                producer.join();
            }
            // the survivors catch up and leave cleanly (SIGTERM), committing what they printed
            try (Admin admin = Admin.create(servers, Duration.ofSeconds(10))) {
                await().atMost(Duration.ofSeconds(90)).until(() -> caughtUp(admin));
            }
            for (Process p : consumers.subList(1, consumers.size())) {
                p.destroy();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            watching.set(false);
            watcher.join();
            Map<TopicPartition, OffsetAndMetadata> committed;
            try (Admin admin = Admin.create(servers, Duration.ofSeconds(10))) {
                committed = admin.listGroupOffsets(GROUP);
            }
            assertThat(regressions).as("committed offsets that went backwards").isEmpty();
            Set<String> printed = printedByAnyConsumer();
            List<String> skipped = new ArrayList<>();
            committed.forEach((tp, offset) -> {
                for (long o = 0; o < offset.offset(); o++) {
                    if (!printed.contains(tp.partition() + "@" + o)) {
                        skipped.add(tp + "@" + o);
                    }
                }
            });
            assertThat(committed).hasSize(PARTITIONS);
            assertThat(skipped).as("records below the committed offsets that no consumer printed").isEmpty();
        } finally {
            consumers.forEach(Process::destroyForcibly);
        }
    }

    private static void produce(String bootstrap, AtomicBoolean producing) {
        try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).deliveryTimeoutMs(60_000)
                .build())) {
            for (int i = 0; producing.get(); i++) {
                producer.send(ProducerRecord.of(TOPIC, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("v" + i).getBytes(StandardCharsets.UTF_8)));
                if (i % 20 == 19) {
                    producer.flush(); // waits for the acknowledgements: paces the load at a modest rate
                }
            }
            producer.flush();
        }
    }

    /** Samples the group's committed offsets every 100 ms; any partition's going back is a regression. */
    private static void watchCommits(List<String> servers, Map<TopicPartition, Long> last, List<String> regressions,
                                     AtomicBoolean watching) {
        java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try (Admin admin = Admin.create(servers, Duration.ofSeconds(5))) {
            var sampling = sampler.scheduleWithFixedDelay(() -> {
                try {
                    admin.listGroupOffsets(GROUP).forEach((tp, offset) -> {
                        Long before = last.put(tp, offset.offset());
                        if (before != null && offset.offset() < before) {
                            regressions.add(tp + ": " + before + " -> " + offset.offset());
                        }
                    });
                } catch (RuntimeException e) {
                    // no coordinator during a failover: the next sample tries again
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofMinutes(10)).until(() -> !watching.get());
            sampling.cancel(false);
        } finally {
            sampler.shutdownNow();
        }
    }

    private static boolean stableWith(Admin admin, int members) {
        try {
            DescribedGroup group = admin.describeGroup(GROUP);
            return group.getState().equals("stable") && group.getMembersCount() == members;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean allAdvancedPast(Map<TopicPartition, Long> now, Map<TopicPartition, Long> before) {
        return before.entrySet().stream().allMatch(e -> now.getOrDefault(e.getKey(), -1L) > e.getValue());
    }

    private static boolean caughtUp(Admin admin) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listGroupOffsets(GROUP);
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(TOPIC, p);
                OffsetAndMetadata offset = committed.get(tp);
                if (offset == null || offset.offset() < admin.listOffsets(tp, Admin.LATEST)) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Set<String> printedByAnyConsumer() throws Exception {
        Set<String> positions = new HashSet<>();
        for (int i = 0; i < consumers.size(); i++) {
            for (String line : Files.readAllLines(dir.resolve("consumer-" + i + ".out"))) {
                int space = line.indexOf(' ');
                if (space > 0) {
                    positions.add(line.substring(0, space));
                }
            }
        }
        return positions;
    }
}
