package io.tributary.broker.group.assignor;

import io.tributary.broker.group.Assignment;
import java.util.Set;
import java.util.SortedMap;

/**
 * What an assignor gets: each member's subscription (resolved to topics that exist) and current
 * target, and the partition count of every subscribed topic.
 *
 * @param members             by member id
 * @param topicPartitionCounts by topic name; holds every topic some member subscribes to
 */
public record AssignmentSpec(SortedMap<String, Member> members, SortedMap<String, Integer> topicPartitionCounts) {

    /** @param currentTarget the member's target before this computation, for assignors that keep what they can */
    public record Member(Set<String> topics, Assignment currentTarget) {
    }
}
