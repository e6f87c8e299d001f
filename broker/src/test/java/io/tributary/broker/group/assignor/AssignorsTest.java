package io.tributary.broker.group.assignor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.group.Assignment;
import io.tributary.proto.TopicPartition;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AssignorsTest {
    private static AssignmentSpec spec(Map<String, Set<String>> subscriptions, Map<String, Assignment> current,
                                       Map<String, Integer> topics) {
        TreeMap<String, AssignmentSpec.Member> members = new TreeMap<>();
        subscriptions.forEach((id, t) -> members.put(id,
                new AssignmentSpec.Member(t, current.getOrDefault(id, Assignment.EMPTY))));
        return new AssignmentSpec(members, new TreeMap<>(topics));
    }

    /** Every partition of a subscribed topic goes to exactly one member that subscribes to its topic. */
    private static void assertComplete(AssignmentSpec spec, Map<String, Assignment> out) {
        Set<TopicPartition> seen = new HashSet<>();
        out.forEach((id, assignment) -> {
            for (TopicPartition tp : assignment) {
                assertThat(seen.add(tp)).as("%s assigned twice", tp).isTrue();
                assertThat(spec.members().get(id).topics()).contains(tp.topic());
            }
        });
        spec.topicPartitionCounts().forEach((topic, count) -> {
            boolean subscribed = spec.members().values().stream().anyMatch(m -> m.topics().contains(topic));
            for (int p = 0; p < count; p++) {
                assertThat(seen.contains(new TopicPartition(topic, p))).isEqualTo(subscribed);
            }
        });
    }

    private static int spread(Map<String, Assignment> out) {
        int min = out.values().stream().mapToInt(Assignment::size).min().orElse(0);
        int max = out.values().stream().mapToInt(Assignment::size).max().orElse(0);
        return max - min;
    }

    @Test
    void uniformBalancesEqualSubscriptionsWithinOne() {
        AssignmentSpec spec = spec(Map.of("a", Set.of("t", "u"), "b", Set.of("t", "u"), "c", Set.of("t", "u")),
                Map.of(), Map.of("t", 7, "u", 4));
        Map<String, Assignment> out = new UniformAssignor().assign(spec);
        assertComplete(spec, out);
        assertThat(spread(out)).isLessThanOrEqualTo(1);
    }

    @Test
    void uniformMovesOnlyWhatANewMemberNeeds() {
        Map<String, Integer> topics = Map.of("t", 12);
        AssignmentSpec before = spec(Map.of("a", Set.of("t"), "b", Set.of("t"), "c", Set.of("t")), Map.of(), topics);
        Map<String, Assignment> first = new UniformAssignor().assign(before);
        AssignmentSpec after = spec(Map.of("a", Set.of("t"), "b", Set.of("t"), "c", Set.of("t"), "d", Set.of("t")),
                first, topics);
        Map<String, Assignment> second = new UniformAssignor().assign(after);
        assertComplete(after, second);
        assertThat(second.get("d").size()).isEqualTo(3);
        for (String id : List.of("a", "b", "c")) {
            // each old member gives up exactly one partition and keeps the rest
            assertThat(first.get(id).minus(second.get(id)).size()).isEqualTo(1);
            assertThat(second.get(id).minus(first.get(id)).isEmpty()).isTrue();
        }
    }

    @Test
    void uniformKeepsEveryoneElsesPartitionsWhenAMemberLeaves() {
        Map<String, Integer> topics = Map.of("t", 12);
        Map<String, Assignment> first = new UniformAssignor().assign(
                spec(Map.of("a", Set.of("t"), "b", Set.of("t"), "c", Set.of("t"), "d", Set.of("t")), Map.of(), topics));
        Map<String, Assignment> current = new HashMap<>(first);
        current.remove("d");
        AssignmentSpec after = spec(Map.of("a", Set.of("t"), "b", Set.of("t"), "c", Set.of("t")), current, topics);
        Map<String, Assignment> second = new UniformAssignor().assign(after);
        assertComplete(after, second);
        for (String id : List.of("a", "b", "c")) {
            assertThat(second.get(id).partitions()).containsAll(first.get(id).partitions());
        }
    }

    @Test
    void uniformRespectsDifferentSubscriptions() {
        AssignmentSpec spec = spec(Map.of("a", Set.of("t"), "b", Set.of("t", "u"), "c", Set.of("u")),
                Map.of(), Map.of("t", 4, "u", 4));
        Map<String, Assignment> out = new UniformAssignor().assign(spec);
        assertComplete(spec, out);
        assertThat(spread(out)).isLessThanOrEqualTo(1);
    }

    @Test
    void randomSpecsAreCompleteAndDeterministic() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            Map<String, Integer> topics = new HashMap<>();
            for (int t = 0; t < 1 + random.nextInt(4); t++) {
                topics.put("t" + t, 1 + random.nextInt(20));
            }
            Map<String, Set<String>> subscriptions = new HashMap<>();
            Map<String, Assignment> current = new HashMap<>();
            for (int m = 0; m < 1 + random.nextInt(8); m++) {
                Set<String> subscribed = new HashSet<>();
                topics.keySet().forEach(t -> {
                    if (random.nextBoolean()) {
                        subscribed.add(t);
                    }
                });
                subscriptions.put("m" + m, subscribed);
                List<TopicPartition> some = new java.util.ArrayList<>();
                topics.forEach((t, n) -> {
                    for (int p = 0; p < n + 2; p++) { // including partitions that no longer exist
                        if (random.nextInt(4) == 0) {
                            some.add(new TopicPartition(t, p));
                        }
                    }
                });
                current.put("m" + m, Assignment.of(some));
            }
            AssignmentSpec spec = spec(subscriptions, current, topics);
            for (PartitionAssignor assignor : List.of(new UniformAssignor(), new RangeAssignor())) {
                Map<String, Assignment> out = assignor.assign(spec);
                assertComplete(spec, out);
                assertThat(assignor.assign(spec)).isEqualTo(out);
            }
        }
    }

    @Test
    void rangeGivesConsecutivePartitionsPerTopic() {
        AssignmentSpec spec = spec(Map.of("a", Set.of("t"), "b", Set.of("t")), Map.of(), Map.of("t", 5));
        Map<String, Assignment> out = new RangeAssignor().assign(spec);
        assertThat(out.get("a")).isEqualTo(Assignment.of(new TopicPartition("t", 0), new TopicPartition("t", 1),
                new TopicPartition("t", 2)));
        assertThat(out.get("b")).isEqualTo(Assignment.of(new TopicPartition("t", 3), new TopicPartition("t", 4)));
    }
}
