package io.tributary.broker.group;

import io.tributary.proto.TopicPartition;
import io.tributary.proto.group.v1.StoredTopicPartitions;
import io.tributary.proto.v1.TopicPartitions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/** An immutable, ordered set of partitions: what a member owns, is to own, or is to give up. */
public final class Assignment implements Iterable<TopicPartition> {
    public static final Assignment EMPTY = new Assignment(new TreeSet<>());

    private final NavigableSet<TopicPartition> partitions;

    private Assignment(NavigableSet<TopicPartition> partitions) {
        this.partitions = Collections.unmodifiableNavigableSet(partitions);
    }

    public static Assignment of(Collection<TopicPartition> partitions) {
        return partitions.isEmpty() ? EMPTY : new Assignment(new TreeSet<>(partitions));
    }

    public static Assignment of(TopicPartition... partitions) {
        return of(List.of(partitions));
    }

    public static Assignment fromWire(List<TopicPartitions> topics) {
        TreeSet<TopicPartition> out = new TreeSet<>();
        for (TopicPartitions topic : topics) {
            for (int partition : topic.getPartitionsList()) {
                out.add(new TopicPartition(topic.getTopic(), partition));
            }
        }
        return out.isEmpty() ? EMPTY : new Assignment(out);
    }

    public static Assignment fromStored(List<StoredTopicPartitions> topics) {
        TreeSet<TopicPartition> out = new TreeSet<>();
        for (StoredTopicPartitions topic : topics) {
            for (int partition : topic.getPartitionsList()) {
                out.add(new TopicPartition(topic.getTopic(), partition));
            }
        }
        return out.isEmpty() ? EMPTY : new Assignment(out);
    }

    public List<TopicPartitions> toWire() {
        List<TopicPartitions> out = new ArrayList<>();
        byTopic().forEach((topic, numbers) -> out.add(
                TopicPartitions.newBuilder().setTopic(topic).addAllPartitions(numbers).build()));
        return out;
    }

    public List<StoredTopicPartitions> toStored() {
        List<StoredTopicPartitions> out = new ArrayList<>();
        byTopic().forEach((topic, numbers) -> out.add(
                StoredTopicPartitions.newBuilder().setTopic(topic).addAllPartitions(numbers).build()));
        return out;
    }

    /** Partition numbers per topic, topics and numbers in order. */
    public Map<String, List<Integer>> byTopic() {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            out.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        return out;
    }

    public boolean contains(TopicPartition tp) {
        return partitions.contains(tp);
    }

    public boolean isEmpty() {
        return partitions.isEmpty();
    }

    public int size() {
        return partitions.size();
    }

    public NavigableSet<TopicPartition> partitions() {
        return partitions;
    }

    public Assignment minus(Assignment other) {
        if (other.isEmpty() || isEmpty()) {
            return this;
        }
        TreeSet<TopicPartition> out = new TreeSet<>(partitions);
        out.removeAll(other.partitions);
        return of(out);
    }

    public Assignment intersect(Assignment other) {
        TreeSet<TopicPartition> out = new TreeSet<>(partitions);
        out.retainAll(other.partitions);
        return of(out);
    }

    public Assignment union(Assignment other) {
        if (other.isEmpty()) {
            return this;
        }
        TreeSet<TopicPartition> out = new TreeSet<>(partitions);
        out.addAll(other.partitions);
        return of(out);
    }

    public boolean intersects(Assignment other) {
        for (TopicPartition tp : other.partitions) {
            if (partitions.contains(tp)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Iterator<TopicPartition> iterator() {
        return partitions.iterator();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Assignment other && partitions.equals(other.partitions);
    }

    @Override
    public int hashCode() {
        return partitions.hashCode();
    }

    @Override
    public String toString() {
        return partitions.toString();
    }
}
