package io.tributary.cli;

import io.tributary.cli.local.LocalProcessCluster;
import io.tributary.client.Admin;
import io.tributary.client.AutoOffsetReset;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRebalanceListener;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.NewTopic;
import io.tributary.client.OffsetAndMetadata;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.proto.TopicPartition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Consumer-group figures on a 3-node cluster of local processes (RF=3): how long a group of
 * {@code --members} takes to settle; how long a member joining or leaving stops the delivery of
 * the partitions that do not move (the goal is not at all: KIP-848's incremental assignment);
 * commits per second; and, after kill -9 of the group's coordinator, how long until a member's
 * commit succeeds again. Records flow all along from a producer at {@code --rate}.
 */
@Command(name = "group", mixinStandardHelpOptions = true,
        description = "Start a 3-node local cluster and measure a consumer group: settling, the pause a join or leave "
                + "causes to partitions that stay, commits/s, coordinator failover.")
final class GroupBench implements Callable<Integer> {
    private static final String TOPIC = "group-bench";
    private static final String GROUP = "bench-group";

    @Option(names = "--members", defaultValue = "10", description = "Default: ${DEFAULT-VALUE}")
    int members;

    @Option(names = "--partitions", defaultValue = "40", description = "Default: ${DEFAULT-VALUE}")
    int partitions;

    @Option(names = "--rate", defaultValue = "2000", description = "Records per second produced throughout. Default: ${DEFAULT-VALUE}")
    int rate;

    @Option(names = "--runs", defaultValue = "3", description = "Runs of each measurement. Default: ${DEFAULT-VALUE}")
    int runs;

    @Option(names = "--heartbeat-interval-ms", defaultValue = "2000",
            description = "group.consumer.heartbeat.interval.ms of the nodes. Default: ${DEFAULT-VALUE}")
    int heartbeatIntervalMs;

    @Option(names = "--work-dir", description = "Where the nodes keep their data (default: a new temporary directory).")
    Path workDir;

    /** One member: its consumer on its own thread, what it owns, and when it last delivered each partition. */
    private static final class Member implements AutoCloseable {
        final Consumer consumer;
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final Map<TopicPartition, Long> lastDeliveryNanos = new ConcurrentHashMap<>();
        /** The longest gap between two deliveries of a partition since {@link #resetGaps()}. */
        final Map<TopicPartition, Long> maxGapNanos = new ConcurrentHashMap<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Member(String bootstrap, int index) {
            consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).groupId(GROUP)
                    .autoOffsetReset(AutoOffsetReset.LATEST).build());
            consumer.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // The last delivery time is kept: a partition given back to the same member (as an eager
                    // protocol does with every partition) counts the time it was away as a pause.
                    owned.removeAll(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    owned.addAll(partitions);
                }
            });
            thread = new Thread(this::run, "bench-member-" + index);
            thread.start();
        }

        private void run() {
            while (running.get()) {
                long now = System.nanoTime();
                for (ConsumerRecord record : consumer.poll(Duration.ofMillis(100))) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    Long last = lastDeliveryNanos.put(tp, now);
                    if (last != null) {
                        maxGapNanos.merge(tp, now - last, Math::max);
                    }
                }
            }
            consumer.close();
        }

        void resetGaps() {
            maxGapNanos.clear();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    @Override
    public Integer call() throws Exception {
        Path root = workDir != null ? workDir : Files.createTempDirectory("tributary-group-bench");
        List<String> properties = List.of("group.consumer.session.timeout.ms=10000",
                "group.consumer.heartbeat.interval.ms=" + heartbeatIntervalMs, "default.replication.factor=3");
        try (LocalProcessCluster cluster = LocalProcessCluster.create(root, 3, properties)) {
            cluster.startAll();
            String bootstrap = cluster.bootstrap();
            try (Admin admin = Admin.create(List.of(bootstrap.split(",")))) {
                admin.createTopic(NewTopic.of(TOPIC, partitions, 3));
            }
            warmUp(bootstrap);
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread producer = new Thread(() -> produce(bootstrap, producing), "bench-producer");
            producer.start();
            try {
                settleAndMove(bootstrap);
                commitRates(bootstrap);
                coordinatorFailover(cluster, bootstrap);
            } finally {
                producing.set(false);
                producer.join();
            }
        }
        return TributaryCli.EXIT_OK;
    }

    /**
     * Creates the offsets topic (the first group request does) and commits through it until commits
     * are quick, so that the figures measure groups, not the cluster's first minutes.
     */
    private void warmUp(String bootstrap) {
        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).groupId("bench-warm-up")
                .requestTimeoutMs(60_000).build())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            for (int i = 0; i < 200; i++) {
                long start = System.nanoTime();
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(i)));
                if (i >= 20 && System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(100)) {
                    break;
                }
            }
        }
    }

    private void produce(String bootstrap, AtomicBoolean producing) {
        try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).build())) {
            long intervalNanos = 1_000_000_000L / Math.max(1, rate);
            long next = System.nanoTime();
            int i = 0;
            while (producing.get()) {
                producer.send(ProducerRecord.of(TOPIC, i % partitions, null, new byte[100]));
                i++;
                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // pacing the bench's own load, not synchronisation
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Settling time of the whole group, then per run: one member joins, then leaves. */
    private void settleAndMove(String bootstrap) throws InterruptedException {
        List<Member> group = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < members; i++) {
            group.add(new Member(bootstrap, i));
        }
        long settleMs;
        try {
            settleMs = awaitMs(start, () -> settled(group));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "; members own " + group.stream().map(m -> m.owned.size()).toList());
        }
        System.out.printf("group of %d members over %d partitions settled after %d ms%n", members, partitions, settleMs);
        List<Long> joinMs = new ArrayList<>();
        List<Double> joinPause = new ArrayList<>();
        List<Double> leavePause = new ArrayList<>();
        List<Double> quietGap = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            group.forEach(Member::resetGaps);
            quietGap.add(maxGapMs(group, owners(group), 3_000));
            Map<TopicPartition, Member> before = owners(group);
            group.forEach(Member::resetGaps);
            long joinStart = System.nanoTime();
            Member joiner = new Member(bootstrap, members + run);
            group.add(joiner);
            long ms = awaitMs(joinStart, () -> settled(group));
            joinMs.add(ms);
            joinPause.add(maxGapMs(group, unmoved(before, owners(group)), 1_000));
            before = owners(group);
            group.forEach(Member::resetGaps);
            group.remove(joiner);
            joiner.close();
            awaitMs(System.nanoTime(), () -> settled(group));
            leavePause.add(maxGapMs(group, unmoved(before, owners(group)), 1_000));
            System.out.printf("run %d: a member joined, settled after %d ms; longest delivery gap of partitions that stayed: "
                    + "join %.0f ms, leave %.0f ms (quiet: %.0f ms)%n", run, ms, joinPause.get(run - 1),
                    leavePause.get(run - 1), quietGap.get(run - 1));
        }
        System.out.printf("median: join settles in %d ms; partitions that stayed paused at most %.0f ms on a join and %.0f ms "
                + "on a leave, against %.0f ms between deliveries when nothing moves%n", median(joinMs), median(joinPause),
                median(leavePause), median(quietGap));
        for (Member member : group) {
            member.close();
        }
    }

    private boolean settled(List<Member> group) {
        int total = 0;
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (Member m : group) {
            int n = m.owned.size();
            total += n;
            min = Math.min(min, n);
            max = Math.max(max, n);
        }
        return total == partitions && max - min <= 1;
    }

    private static Map<TopicPartition, Member> owners(List<Member> group) {
        Map<TopicPartition, Member> out = new HashMap<>();
        group.forEach(m -> m.owned.forEach(tp -> out.put(tp, m)));
        return out;
    }

    private static Map<TopicPartition, Member> unmoved(Map<TopicPartition, Member> before, Map<TopicPartition, Member> after) {
        Map<TopicPartition, Member> out = new HashMap<>();
        before.forEach((tp, m) -> {
            if (after.get(tp) == m) {
                out.put(tp, m);
            }
        });
        return out;
    }

    /** The longest gap between deliveries of the given partitions, measured for another {@code windowMs} from now. */
    private static double maxGapMs(List<Member> group, Map<TopicPartition, Member> partitions, long windowMs)
            throws InterruptedException {
        Thread.sleep(windowMs); // a measurement window of deliveries, not synchronisation
        long max = 0;
        for (Map.Entry<TopicPartition, Member> e : partitions.entrySet()) {
            max = Math.max(max, e.getValue().maxGapNanos.getOrDefault(e.getKey(), 0L));
        }
        if (group.isEmpty()) {
            return 0;
        }
        return max / 1e6;
    }

    /** commitSync per second: one committer, then {@code members} committers in their own groups at once. */
    private void commitRates(String bootstrap) throws InterruptedException {
        for (int committers : List.of(1, members)) {
            List<Double> rates = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                List<Thread> threads = new ArrayList<>();
                long[] counts = new long[committers];
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                for (int c = 0; c < committers; c++) {
                    int index = c;
                    String group = "bench-commits-" + run + "-" + c;
                    Thread t = new Thread(() -> {
                        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap)
                                .groupId(group).build())) {
                            TopicPartition tp = new TopicPartition(TOPIC, index % partitions);
                            consumer.assign(List.of(tp));
                            long offset = 0;
                            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset++))); // finds the coordinator
                            long startNanos = System.nanoTime();
                            long done = 0;
                            while (System.nanoTime() < end) {
                                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset++)));
                                done++;
                            }
                            counts[index] = done * 1_000_000_000L / Math.max(1, System.nanoTime() - startNanos);
                        }
                    });
                    t.start();
                    threads.add(t);
                }
                for (Thread t : threads) {
                    t.join();
                }
                long sum = 0;
                for (long c : counts) {
                    sum += c;
                }
                rates.add((double) sum);
            }
            System.out.printf("commitSync with %d committer(s): %.0f commits/s (median of %d runs of 5 s; each commit "
                    + "fsynced and replicated to 3 nodes)%n", committers, median(rates), runs);
        }
    }

    /** kill -9 of the group's coordinator: time until a member's commitSync succeeds again. */
    private void coordinatorFailover(LocalProcessCluster cluster, String bootstrap) throws Exception {
        List<Long> failoverMs = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            String group = "bench-failover-" + run;
            try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).groupId(group)
                    .requestTimeoutMs(60_000).build())) {
                TopicPartition tp = new TopicPartition(TOPIC, 0);
                consumer.assign(List.of(tp));
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(1)));
                int coordinator;
                try (Admin admin = Admin.create(List.of(bootstrap.split(",")))) {
                    coordinator = admin.listGroups().stream().filter(g -> g.groupId().equals(group)).findFirst()
                            .orElseThrow().coordinatorId();
                }
                long start = System.nanoTime();
                cluster.kill9(coordinator);
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(2))); // retried until the new coordinator takes it
                long ms = (System.nanoTime() - start) / 1_000_000;
                failoverMs.add(ms);
                System.out.printf("run %d: killed coordinator node %d; a commit succeeded again after %d ms%n", run,
                        coordinator, ms);
                cluster.start(coordinator);
            }
        }
        System.out.printf("median: coordinator kill -9 -> commit succeeds again %d ms%n", median(failoverMs));
    }

    private static long awaitMs(long startNanos, BooleanSupplier condition) throws InterruptedException {
        long deadline = startNanos + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return (System.nanoTime() - startNanos) / 1_000_000;
            }
            Thread.sleep(5); // polling the members' state from outside
        }
        throw new IllegalStateException("the group did not settle within 120 s");
    }

    private static <T extends Comparable<T>> T median(List<T> values) {
        List<T> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
