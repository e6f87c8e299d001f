import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The same measurement as `tributary bench group` (cli/.../GroupBench.java), against Apache Kafka
 * with its own clients: a group of MEMBERS settles over PARTITIONS partitions while a producer
 * writes RATE records/s; then per run a member joins and leaves, and the longest delivery gap of
 * the partitions that did not move is compared with the gap when nothing moves.
 *
 * java KafkaGroupPause BOOTSTRAP PROTOCOL(classic|consumer) [MEMBERS PARTITIONS RATE RUNS]
 */
public final class KafkaGroupPause {
    static final String TOPIC = "group-bench";

    static final class Member implements AutoCloseable {
        final KafkaConsumer<byte[], byte[]> consumer;
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final Map<TopicPartition, Long> last = new ConcurrentHashMap<>();
        final Map<TopicPartition, Long> maxGap = new ConcurrentHashMap<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;

        Member(String bootstrap, String protocol, String group) {
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("group.id", group);
            p.put("group.protocol", protocol);
            p.put("auto.offset.reset", "latest");
            p.put("key.deserializer", ByteArrayDeserializer.class.getName());
            p.put("value.deserializer", ByteArrayDeserializer.class.getName());
            consumer = new KafkaConsumer<>(p);
            thread = new Thread(this::run);
            thread.start();
        }

        private void run() {
            consumer.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // `last` is kept: a partition the eager protocol revokes and gives back to the same
                    // member counts the time it was away as a pause.
                    owned.removeAll(partitions);
                }

                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    owned.addAll(partitions);
                }
            });
            while (running.get()) {
                long now = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Long before = last.put(tp, now);
                    if (before != null) {
                        maxGap.merge(tp, now - before, Math::max);
                    }
                }
            }
            consumer.close();
        }

        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String protocol = args[1];
        int members = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int partitions = args.length > 3 ? Integer.parseInt(args[3]) : 40;
        int rate = args.length > 4 ? Integer.parseInt(args[4]) : 2000;
        int runs = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        String group = "bench-" + protocol + "-" + System.currentTimeMillis();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!admin.listTopics().names().get().contains(TOPIC)) {
                try { // the cluster may still be registering its brokers
                    admin.createTopics(List.of(new NewTopic(TOPIC, partitions, (short) 3))).all().get();
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(500);
                }
            }
        }
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread producer = new Thread(() -> {
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("key.serializer", ByteArraySerializer.class.getName());
            p.put("value.serializer", ByteArraySerializer.class.getName());
            try (KafkaProducer<byte[], byte[]> out = new KafkaProducer<>(p)) {
                long interval = 1_000_000_000L / rate;
                long next = System.nanoTime();
                for (int i = 0; producing.get(); i++) {
                    out.send(new ProducerRecord<>(TOPIC, i % partitions, null, new byte[100]));
                    next += interval;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        List<Member> groupMembers = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < members; i++) {
            groupMembers.add(new Member(bootstrap, protocol, group));
        }
        long settle = awaitMs(start, () -> settled(groupMembers, partitions));
        System.out.printf("%s: group of %d members over %d partitions settled after %d ms%n", protocol, members, partitions, settle);
        List<Long> joinMs = new ArrayList<>();
        List<Double> join = new ArrayList<>();
        List<Double> leave = new ArrayList<>();
        List<Double> quiet = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            groupMembers.forEach(m -> m.maxGap.clear());
            quiet.add(gap(owners(groupMembers), 3_000));
            Map<TopicPartition, Member> before = owners(groupMembers);
            groupMembers.forEach(m -> m.maxGap.clear());
            long t = System.nanoTime();
            Member joiner = new Member(bootstrap, protocol, group);
            groupMembers.add(joiner);
            joinMs.add(awaitMs(t, () -> settled(groupMembers, partitions)));
            join.add(gap(unmoved(before, owners(groupMembers)), 1_000));
            before = owners(groupMembers);
            groupMembers.forEach(m -> m.maxGap.clear());
            groupMembers.remove(joiner);
            joiner.close();
            awaitMs(System.nanoTime(), () -> settled(groupMembers, partitions));
            leave.add(gap(unmoved(before, owners(groupMembers)), 1_000));
            System.out.printf("%s run %d: join settled after %d ms; longest gap of partitions that stayed: join %.0f ms, "
                    + "leave %.0f ms (quiet %.0f ms)%n", protocol, run, joinMs.get(run - 1), join.get(run - 1),
                    leave.get(run - 1), quiet.get(run - 1));
        }
        System.out.printf("%s median: join settles in %d ms; partitions that stayed paused at most %.0f ms on a join and "
                + "%.0f ms on a leave, against %.0f ms when nothing moves%n", protocol, median(joinMs), median(join),
                median(leave), median(quiet));
        for (Member m : groupMembers) {
            m.close();
        }
        commitRates(bootstrap, protocol, members, partitions, runs);
        producing.set(false);
        producer.join();
    }

    /** commitSync/s of 1 and of MEMBERS committers (each its own group, assign()ed one partition), as bench group does. */
    static void commitRates(String bootstrap, String protocol, int members, int partitions, int runs) throws InterruptedException {
        for (int committers : List.of(1, members)) {
            List<Double> rates = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                long[] counts = new long[committers];
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                List<Thread> threads = new ArrayList<>();
                for (int c = 0; c < committers; c++) {
                    int index = c;
                    Thread t = new Thread(() -> {
                        Properties p = new Properties();
                        p.put("bootstrap.servers", bootstrap);
                        p.put("group.id", "bench-commits-" + protocol + "-" + System.nanoTime() + "-" + index);
                        p.put("group.protocol", protocol);
                        p.put("enable.auto.commit", "false");
                        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
                        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
                        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
                            TopicPartition tp = new TopicPartition(TOPIC, index % partitions);
                            consumer.assign(List.of(tp));
                            long offset = 0;
                            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset++))); // finds the coordinator
                            long start = System.nanoTime();
                            long done = 0;
                            while (System.nanoTime() < end) {
                                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(offset++)));
                                done++;
                            }
                            counts[index] = done * 1_000_000_000L / Math.max(1, System.nanoTime() - start);
                        }
                    });
                    t.start();
                    threads.add(t);
                }
                for (Thread t : threads) {
                    t.join();
                }
                double sum = 0;
                for (long c : counts) {
                    sum += c;
                }
                rates.add(sum);
            }
            System.out.printf("%s: commitSync with %d committer(s): %.0f commits/s (median of %d runs of 5 s)%n", protocol,
                    committers, median(rates), runs);
        }
    }

    static boolean settled(List<Member> group, int partitions) {
        int total = 0;
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (Member m : group) {
            total += m.owned.size();
            min = Math.min(min, m.owned.size());
            max = Math.max(max, m.owned.size());
        }
        return total == partitions && max - min <= 1;
    }

    static Map<TopicPartition, Member> owners(List<Member> group) {
        Map<TopicPartition, Member> out = new HashMap<>();
        group.forEach(m -> m.owned.forEach(tp -> out.put(tp, m)));
        return out;
    }

    static Map<TopicPartition, Member> unmoved(Map<TopicPartition, Member> before, Map<TopicPartition, Member> after) {
        Map<TopicPartition, Member> out = new HashMap<>();
        before.forEach((tp, m) -> {
            if (after.get(tp) == m) {
                out.put(tp, m);
            }
        });
        return out;
    }

    static double gap(Map<TopicPartition, Member> partitions, long windowMs) throws InterruptedException {
        Thread.sleep(windowMs);
        long max = 0;
        for (Map.Entry<TopicPartition, Member> e : partitions.entrySet()) {
            max = Math.max(max, e.getValue().maxGap.getOrDefault(e.getKey(), 0L));
        }
        return max / 1e6;
    }

    static long awaitMs(long startNanos, BooleanSupplier condition) throws InterruptedException {
        while (System.nanoTime() - startNanos < TimeUnit.SECONDS.toNanos(180)) {
            if (condition.getAsBoolean()) {
                return (System.nanoTime() - startNanos) / 1_000_000;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("the group did not settle within 180 s");
    }

    static <T extends Comparable<T>> T median(List<T> values) {
        List<T> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
