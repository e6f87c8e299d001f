package io.tributary.broker.group.assignor;

import io.tributary.broker.group.Assignment;
import io.tributary.proto.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kafka's range assignment: per topic, the members that subscribe to it, in member id order, take
 * consecutive ranges of its partitions, the first {@code partitions % members} one more. Members
 * subscribing to the same topics get the same partition numbers of each (useful to co-partition
 * joins).
 */
public final class RangeAssignor implements PartitionAssignor {
    public static final String NAME = "range";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Assignment> assign(AssignmentSpec spec) {
        Map<String, List<TopicPartition>> out = new HashMap<>();
        spec.members().keySet().forEach(id -> out.put(id, new ArrayList<>()));
        spec.topicPartitionCounts().forEach((topic, count) -> {
            List<String> subscribers = new ArrayList<>();
            spec.members().forEach((id, member) -> {
                if (member.topics().contains(topic)) {
                    subscribers.add(id);
                }
            });
            if (subscribers.isEmpty()) {
                return;
            }
            int each = count / subscribers.size();
            int extra = count % subscribers.size();
            int next = 0;
            for (int i = 0; i < subscribers.size(); i++) {
                int take = each + (i < extra ? 1 : 0);
                for (int k = 0; k < take; k++) {
                    out.get(subscribers.get(i)).add(new TopicPartition(topic, next++));
                }
            }
        });
        Map<String, Assignment> result = new HashMap<>();
        out.forEach((id, partitions) -> result.put(id, Assignment.of(partitions)));
        return result;
    }
}
