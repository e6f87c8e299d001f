package io.tributary.broker.group;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/** Topics for coordinator tests: partition counts that the test changes as it likes. */
public final class FakeTopics implements TopicsImage {
    private final Map<String, Integer> counts = new TreeMap<>();

    public FakeTopics with(String topic, int partitions) {
        counts.put(topic, partitions);
        return this;
    }

    public void delete(String topic) {
        counts.remove(topic);
    }

    @Override
    public int partitionCount(String topic) {
        return counts.getOrDefault(topic, -1);
    }

    @Override
    public Collection<String> topicNames() {
        return counts.keySet();
    }
}
