package io.tributary.broker.group.classic;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One group of Kafka's classic protocol: its generation, chosen protocol, leader and members. */
public final class ClassicGroup {
    /** Kafka's group states, under the names its tools print. */
    public enum State {
        EMPTY("Empty"), PREPARING_REBALANCE("PreparingRebalance"), COMPLETING_REBALANCE("CompletingRebalance"),
        STABLE("Stable");

        private final String label;

        State(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final String groupId;
    State state = State.EMPTY;
    int generation;
    String protocolType = "";
    String protocolName = "";
    String leaderId = "";
    final Map<String, ClassicMember> members = new LinkedHashMap<>();
    /** Ids handed out with MEMBER_ID_REQUIRED, and when they lapse unless their member joins with them. */
    final Map<String, Long> pendingMembers = new LinkedHashMap<>();
    /** While preparing a rebalance: members that have not joined again by then are removed. */
    long rebalanceDeadlineMs = Long.MAX_VALUE;
    /** While preparing the first rebalance of an empty group: it waits for more members until then. */
    long joinNotBeforeMs;
    /** While completing a rebalance: members that have not synced by then are removed. */
    long syncDeadlineMs = Long.MAX_VALUE;

    ClassicGroup(String groupId) {
        this.groupId = groupId;
    }

    public String groupId() {
        return groupId;
    }

    public State state() {
        return state;
    }

    public int generation() {
        return generation;
    }

    public String protocolType() {
        return protocolType;
    }

    public String protocolName() {
        return protocolName;
    }

    public String leaderId() {
        return leaderId;
    }

    public Collection<ClassicMember> members() {
        return List.copyOf(members.values());
    }

    public boolean hasMembers() {
        return !members.isEmpty();
    }

    Optional<ClassicMember> memberWithInstance(String instanceId) {
        return members.values().stream().filter(m -> m.instanceId().equals(instanceId)).findFirst();
    }

    boolean allJoined() {
        return pendingMembers.isEmpty() && members.values().stream().allMatch(m -> m.joinToken != null);
    }

    int maxRebalanceTimeoutMs() {
        return members.values().stream().mapToInt(ClassicMember::rebalanceTimeoutMs).max().orElse(0);
    }
}
