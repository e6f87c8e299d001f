package io.tributary.chaos.workload;

import io.tributary.chaos.history.History;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The workload of a chaos run, whatever runs the cluster (processes in namespaces, containers):
 * consumers reading every partition, a consumer group of {@value #GROUP_MEMBERS} members sharing them
 * ({@link GroupWorkload}) and idempotent producers writing to them while faults are played, then {@link #RECOVERY} more after the last heal (the checker asks that every producer
 * succeeds again), then a final drain of every partition.
 */
public final class ChaosWorkload {
    /** How long the workload goes on after the last heal. */
    public static final Duration RECOVERY = Duration.ofSeconds(10);
    private static final int MAX_IN_FLIGHT_PER_PARTITION = 50;
    static final int GROUP_MEMBERS = 3;
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(90);

    /** The faults of a run: played while the workload runs, every one healed when this returns or throws. */
    @FunctionalInterface
    public interface Faults {
        void playAndHeal() throws Exception;
    }

    private final List<String> bootstrap;
    private final String topic;
    private final int partitions;
    private final int producers;
    private final int consumers;
    private final int recordsPerSecond;
    private final CompactedTopic compacted;

    /**
     * A compacted topic (one partition) written beside the main one by one keyed producer, with a
     * history of its own, drained at the end like the main topic.
     */
    public record CompactedTopic(String topic, int recordsPerSecond, int keys, History history) {
    }

    public ChaosWorkload(List<String> bootstrap, String topic, int partitions, int producers, int consumers,
                         int recordsPerSecond) {
        this(bootstrap, topic, partitions, producers, consumers, recordsPerSecond, null);
    }

    /** @param compacted the compacted topic to write too, or null */
    public ChaosWorkload(List<String> bootstrap, String topic, int partitions, int producers, int consumers,
                         int recordsPerSecond, CompactedTopic compacted) {
        this.compacted = compacted;
        this.bootstrap = List.copyOf(bootstrap);
        this.topic = topic;
        this.partitions = partitions;
        this.producers = producers;
        this.consumers = consumers;
        this.recordsPerSecond = recordsPerSecond;
    }

    /** Runs the workload around {@code faults}, then the recovery window; returns whether the final drain read every partition. */
    public boolean run(Faults faults, History history) throws Exception {
        List<ProducerWorkload> producerList = new ArrayList<>();
        List<ConsumerWorkload> consumerList = new ArrayList<>();
        List<GroupWorkload> groupMembers = new ArrayList<>();
        int perProducer = Math.max(1, recordsPerSecond / producers);
        try {
            for (int i = 0; i < consumers; i++) {
                consumerList.add(new ConsumerWorkload(i, bootstrap, topic, partitions, history));
                consumerList.get(i).start();
            }
            for (int i = 0; i < GROUP_MEMBERS; i++) {
                groupMembers.add(new GroupWorkload(i, bootstrap, topic, history));
                groupMembers.get(i).start();
            }
            for (int i = 0; i < producers; i++) {
                producerList.add(new ProducerWorkload(i, bootstrap, topic, partitions, perProducer,
                        MAX_IN_FLIGHT_PER_PARTITION, history));
                producerList.get(i).start();
            }
            if (compacted != null) {
                producerList.add(new ProducerWorkload(producers, bootstrap, compacted.topic(), 1,
                        compacted.recordsPerSecond(), MAX_IN_FLIGHT_PER_PARTITION, compacted.history(), compacted.keys()));
                producerList.get(producerList.size() - 1).start();
            }
            faults.playAndHeal();
            Thread.sleep(RECOVERY.toMillis()); // the workload's length after the heal, not synchronisation
        } finally {
            for (ProducerWorkload producer : producerList) {
                producer.close();
            }
            for (ConsumerWorkload consumer : consumerList) {
                consumer.close();
            }
            for (GroupWorkload member : groupMembers) {
                member.close();
            }
        }
        GroupWorkload.recordFinalOffsets(bootstrap, history);
        history.flush();
        boolean drained = FinalDrain.run(bootstrap, topic, partitions, history, DRAIN_TIMEOUT);
        if (compacted != null) {
            FinalDrain.run(bootstrap, compacted.topic(), 1, compacted.history(), DRAIN_TIMEOUT);
            compacted.history().flush();
        }
        return drained;
    }
}
