package io.tributary.broker.group;

import io.tributary.proto.TopicPartition;
import io.tributary.proto.group.v1.MemberMetadataValue;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The state of one consumer group in a coordinator: its epochs, members, target assignment and
 * committed offsets. Changed only by replaying group records ({@link GroupCoordinatorState#replay}),
 * so a group read back from the offsets log is the group that wrote it.
 */
public final class ConsumerGroup {
    /** The state {@code group describe} shows. */
    public enum State {
        EMPTY, ASSIGNING, RECONCILING, STABLE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final String groupId;
    private int epoch;
    private Map<String, Integer> subscribedTopicPartitions = Map.of();
    private int assignmentEpoch;
    private final NavigableMap<String, ConsumerGroupMember> members = new TreeMap<>();
    private final NavigableMap<String, Assignment> targets = new TreeMap<>();
    private final Map<String, String> memberIdByInstanceId = new HashMap<>();
    private final Map<TopicPartition, String> ownerByPartition = new HashMap<>();
    private final NavigableMap<TopicPartition, CommittedOffset> offsets = new TreeMap<>();

    ConsumerGroup(String groupId) {
        this.groupId = groupId;
    }

    public String groupId() {
        return groupId;
    }

    public int epoch() {
        return epoch;
    }

    public int assignmentEpoch() {
        return assignmentEpoch;
    }

    public Map<String, Integer> subscribedTopicPartitions() {
        return subscribedTopicPartitions;
    }

    public NavigableMap<String, ConsumerGroupMember> members() {
        return Collections.unmodifiableNavigableMap(members);
    }

    public Optional<ConsumerGroupMember> member(String memberId) {
        return Optional.ofNullable(members.get(memberId));
    }

    public Assignment target(String memberId) {
        return targets.getOrDefault(memberId, Assignment.EMPTY);
    }

    public Optional<String> memberIdOfInstance(String instanceId) {
        return Optional.ofNullable(memberIdByInstanceId.get(instanceId));
    }

    /** The member that owns the partition (assigned or pending revocation), if any. */
    public Optional<String> owner(TopicPartition tp) {
        return Optional.ofNullable(ownerByPartition.get(tp));
    }

    public NavigableMap<TopicPartition, CommittedOffset> offsets() {
        return Collections.unmodifiableNavigableMap(offsets);
    }

    public boolean hasMembers() {
        return !members.isEmpty();
    }

    public State state() {
        if (members.isEmpty()) {
            return State.EMPTY;
        }
        if (assignmentEpoch < epoch) {
            return State.ASSIGNING;
        }
        for (ConsumerGroupMember member : members.values()) {
            if (member.memberEpoch() != assignmentEpoch || member.state() != MemberState.STABLE) {
                return State.RECONCILING;
            }
        }
        return State.STABLE;
    }

    // ---------------------------------------------------------------- replay

    void setEpoch(int newEpoch, Map<String, Integer> newSubscribedTopicPartitions) {
        epoch = newEpoch;
        subscribedTopicPartitions = Map.copyOf(newSubscribedTopicPartitions);
    }

    void setAssignmentEpoch(int newAssignmentEpoch) {
        assignmentEpoch = newAssignmentEpoch;
    }

    void setTarget(String memberId, Assignment target) {
        if (target == null) {
            targets.remove(memberId);
        } else {
            targets.put(memberId, target);
        }
    }

    void putMetadata(String memberId, MemberMetadataValue metadata) {
        ConsumerGroupMember existing = members.get(memberId);
        putMember(existing == null ? ConsumerGroupMember.joining(memberId, metadata) : existing.withMetadata(metadata));
    }

    void putMember(ConsumerGroupMember member) {
        ConsumerGroupMember previous = members.put(member.memberId(), member);
        if (previous != null) {
            unindex(previous);
        }
        if (member.isStatic()) {
            memberIdByInstanceId.put(member.instanceId(), member.memberId());
        }
        // The coordinator never gives a partition to a second owner (Reconciliation); a log replayed
        // after compaction holds only each member's latest state, which agree with each other.
        for (TopicPartition tp : member.owned()) {
            ownerByPartition.put(tp, member.memberId());
        }
    }

    void removeMember(String memberId) {
        ConsumerGroupMember removed = members.remove(memberId);
        if (removed != null) {
            unindex(removed);
        }
    }

    private void unindex(ConsumerGroupMember member) {
        if (member.isStatic()) {
            memberIdByInstanceId.remove(member.instanceId(), member.memberId());
        }
        for (TopicPartition tp : member.owned()) {
            ownerByPartition.remove(tp, member.memberId());
        }
    }

    void putOffset(TopicPartition tp, CommittedOffset offset) {
        if (offset == null) {
            offsets.remove(tp);
        } else {
            offsets.put(tp, offset);
        }
    }
}
