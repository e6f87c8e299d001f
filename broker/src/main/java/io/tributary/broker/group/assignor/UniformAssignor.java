package io.tributary.broker.group.assignor;

import io.tributary.broker.group.Assignment;
import io.tributary.proto.TopicPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Balanced and sticky (Kafka's "uniform" server-side assignor): every member keeps the partitions
 * of its current target that are still valid, the rest go to the least loaded member that
 * subscribes to their topic, and then partitions move one at a time from a member to one that
 * subscribes to the same topic and holds at least two fewer, until none can. With equal
 * subscriptions the members end within one partition of each other, having moved as few
 * partitions as balance allows.
 */
public final class UniformAssignor implements PartitionAssignor {
    public static final String NAME = "uniform";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Assignment> assign(AssignmentSpec spec) {
        Map<String, TreeSet<TopicPartition>> load = new HashMap<>();
        Map<String, List<String>> subscribers = new HashMap<>();
        spec.members().forEach((id, member) -> {
            load.put(id, new TreeSet<>());
            for (String topic : member.topics()) {
                if (spec.topicPartitionCounts().containsKey(topic)) {
                    subscribers.computeIfAbsent(topic, t -> new ArrayList<>()).add(id);
                }
            }
        });
        Set<TopicPartition> taken = new HashSet<>();
        spec.members().forEach((id, member) -> {
            for (TopicPartition tp : member.currentTarget()) {
                Integer count = spec.topicPartitionCounts().get(tp.topic());
                if (count != null && tp.partition() < count && member.topics().contains(tp.topic()) && taken.add(tp)) {
                    load.get(id).add(tp);
                }
            }
        });
        Comparator<String> byLoad = Comparator.<String>comparingInt(id -> load.get(id).size()).thenComparing(id -> id);
        spec.topicPartitionCounts().forEach((topic, count) -> {
            List<String> candidates = subscribers.get(topic);
            if (candidates == null) {
                return;
            }
            for (int partition = 0; partition < count; partition++) {
                TopicPartition tp = new TopicPartition(topic, partition);
                if (!taken.contains(tp)) {
                    load.get(candidates.stream().min(byLoad).orElseThrow()).add(tp);
                }
            }
        });
        balance(load, subscribers, byLoad);
        Map<String, Assignment> out = new HashMap<>();
        load.forEach((id, partitions) -> out.put(id, Assignment.of(partitions)));
        return out;
    }

    private static void balance(Map<String, TreeSet<TopicPartition>> load, Map<String, List<String>> subscribers,
                                Comparator<String> byLoad) {
        List<String> heaviestFirst = new ArrayList<>(load.keySet());
        boolean moved = true;
        while (moved) {
            moved = false;
            heaviestFirst.sort(byLoad.reversed());
            for (String from : heaviestFirst) {
                TreeSet<TopicPartition> held = load.get(from);
                Set<String> topics = new TreeSet<>();
                held.forEach(tp -> topics.add(tp.topic()));
                for (String topic : topics) {
                    String to = subscribers.get(topic).stream().min(byLoad).orElseThrow();
                    if (load.get(to).size() + 1 < held.size()) {
                        TopicPartition last = held.descendingSet().stream()
                                .filter(tp -> tp.topic().equals(topic)).findFirst().orElseThrow();
                        held.remove(last);
                        load.get(to).add(last);
                        moved = true;
                        break;
                    }
                }
                if (moved) {
                    break;
                }
            }
        }
    }
}
