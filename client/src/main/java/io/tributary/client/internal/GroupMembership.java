package io.tributary.client.internal;

import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ConsumerGroupHeartbeatResponse;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.TopicPartitions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * A consumer's side of the group protocol (KIP-848), without I/O or a clock of its own: when to
 * heartbeat and with what, and what each answer means for the partitions the consumer may deliver.
 *
 * <p>The rules that keep a partition from having two owners, on this side:
 * <ul>
 *   <li>A revoked partition stops being delivered the moment the answer arrives; the consumer then
 *       commits it and calls {@link #revocationDone()}, and only the heartbeat after that tells the
 *       coordinator it is free.</li>
 *   <li>Ownership is a lease: it lasts a session timeout from the send time of the last heartbeat
 *       the coordinator answered. The coordinator removes a silent member only a session timeout
 *       after it last <em>received</em> one, which is later, so a consumer cut off from its
 *       coordinator has stopped delivering before anyone else may start.</li>
 *   <li>A fenced or unknown member gives up everything at once and joins again with epoch 0.</li>
 * </ul>
 */
public final class GroupMembership {
    /** The default session until the coordinator names its own (Kafka's 45 s). */
    static final int DEFAULT_SESSION_TIMEOUT_MS = 45_000;

    /** What an answer changed for the consumer. */
    public record Change(Set<TopicPartition> revoked, Set<TopicPartition> assigned, Set<TopicPartition> lost) {
        static final Change NONE = new Change(Set.of(), Set.of(), Set.of());

        public boolean isEmpty() {
            return revoked.isEmpty() && assigned.isEmpty() && lost.isEmpty();
        }
    }

    /** A heartbeat answer the consumer cannot go on from: the application must hear of it. */
    public static final class FatalGroupError extends RuntimeException {
        private final ErrorCode code;

        FatalGroupError(ErrorCode code, String message) {
            super(message);
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

    private final String groupId;
    private final String memberId;
    private final String instanceId;
    private final int rebalanceTimeoutMs;
    private final String serverAssignor;
    private final long retryBackoffMs;

    private List<String> topics = List.of();
    private String topicRegex = "";
    private boolean subscriptionToSend;

    private int memberEpoch;
    private final NavigableSet<TopicPartition> owned = new TreeSet<>();
    private int sessionTimeoutMs = DEFAULT_SESSION_TIMEOUT_MS;
    private int heartbeatIntervalMs = 3_000;
    private long leaseExpiresAtMs = Long.MIN_VALUE;
    private boolean inFlight;
    private long inFlightSentAtMs;
    private long nextHeartbeatAtMs;
    private boolean revoking;
    private boolean leaving;
    private boolean left;

    public GroupMembership(String groupId, String memberId, String instanceId, int rebalanceTimeoutMs,
                           String serverAssignor, long retryBackoffMs) {
        this.groupId = groupId;
        this.memberId = memberId;
        this.instanceId = instanceId == null ? "" : instanceId;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.serverAssignor = serverAssignor == null ? "" : serverAssignor;
        this.retryBackoffMs = retryBackoffMs;
    }

    public String memberId() {
        return memberId;
    }

    public String groupId() {
        return groupId;
    }

    public int memberEpoch() {
        return memberEpoch;
    }

    public boolean isStatic() {
        return !instanceId.isEmpty();
    }

    /** Subscribes to topic names (replacing any earlier subscription); sent with the next heartbeat. */
    public void subscribe(Collection<String> topicNames) {
        topics = List.copyOf(new TreeSet<>(topicNames));
        topicRegex = "";
        subscriptionToSend = true;
        nextHeartbeatAtMs = 0;
    }

    /** Subscribes to every topic whose name matches a Java regular expression. */
    public void subscribe(String regex) {
        topics = List.of();
        topicRegex = regex;
        subscriptionToSend = true;
        nextHeartbeatAtMs = 0;
    }

    /** The partitions the consumer owns now (including while their lease may have run out). */
    public Set<TopicPartition> owned() {
        return Collections.unmodifiableNavigableSet(owned);
    }

    /** Whether the consumer may deliver records of {@code tp} now: it owns it and its lease holds. */
    public boolean mayDeliver(TopicPartition tp, long nowMs) {
        return owned.contains(tp) && nowMs < leaseExpiresAtMs;
    }

    /** When the lease on the owned partitions runs out unless a heartbeat is answered first. */
    public long leaseExpiresAtMs() {
        return leaseExpiresAtMs;
    }

    /** Whether the consumer may commit offsets now (as a member at its current epoch). */
    public boolean isMember() {
        return memberEpoch > 0 && !left;
    }

    /** The partitions given up because the lease ran out; the consumer joins again. */
    public Set<TopicPartition> expireLease(long nowMs) {
        if (owned.isEmpty() || nowMs < leaseExpiresAtMs) {
            return Set.of();
        }
        nextHeartbeatAtMs = nowMs;
        return loseEverything().lost();
    }

    /** The next heartbeat to send, if one is due now; the caller must report its fate. */
    public ConsumerGroupHeartbeatRequest heartbeatToSend(long nowMs) {
        if (inFlight || revoking || left || (topics.isEmpty() && topicRegex.isEmpty() && !leaving)
                || nowMs < nextHeartbeatAtMs) {
            return null;
        }
        ConsumerGroupHeartbeatRequest.Builder request = ConsumerGroupHeartbeatRequest.newBuilder()
                .setGroupId(groupId).setMemberId(memberId).setInstanceId(instanceId);
        if (leaving) {
            request.setMemberEpoch(isStatic() ? -2 : -1);
        } else {
            request.setMemberEpoch(memberEpoch).setRebalanceTimeoutMs(rebalanceTimeoutMs)
                    .addAllOwnedTopicPartitions(toWire(owned));
            if (memberEpoch == 0 || subscriptionToSend) {
                request.setSubscriptionSet(true).addAllSubscribedTopicNames(topics).setSubscribedTopicRegex(topicRegex)
                        .setServerAssignor(serverAssignor);
            }
        }
        inFlight = true;
        inFlightSentAtMs = nowMs;
        return request.build();
    }

    /** When the next heartbeat is due (for the caller's wait). */
    public long nextHeartbeatAtMs() {
        return inFlight || revoking ? Long.MAX_VALUE : nextHeartbeatAtMs;
    }

    /**
     * Applies the coordinator's answer to the heartbeat in flight.
     *
     * @throws FatalGroupError the group refused the member for a reason retrying cannot fix
     */
    public Change onResponse(ConsumerGroupHeartbeatResponse response, long nowMs) {
        inFlight = false;
        ErrorCode code = response.getErrorCode();
        if (code == ErrorCode.NONE) {
            if (leaving) {
                left = true;
                return Change.NONE;
            }
            return accept(response, nowMs);
        }
        switch (code) {
            case UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH -> {
                if (leaving) {
                    left = true;
                    return Change.NONE;
                }
                nextHeartbeatAtMs = nowMs;
                return loseEverything();
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, REQUEST_TIMED_OUT,
                    BROKER_NOT_AVAILABLE, UNKNOWN_SERVER_ERROR -> {
                nextHeartbeatAtMs = nowMs + retryBackoffMs;
                return Change.NONE;
            }
            default -> throw new FatalGroupError(code, "group " + groupId + " refused member " + memberId + ": "
                    + code + (response.getErrorMessage().isEmpty() ? "" : " (" + response.getErrorMessage() + ")"));
        }
    }

    /** The heartbeat in flight got no answer (timeout, lost connection): it may or may not have arrived. */
    public void onNoResponse(long nowMs) {
        inFlight = false;
        nextHeartbeatAtMs = nowMs + retryBackoffMs;
    }

    /** The consumer stopped delivering and committed the revoked partitions: the coordinator may hear so. */
    public void revocationDone() {
        revoking = false;
        nextHeartbeatAtMs = 0;
    }

    /** Leaves the group with the next heartbeat; the consumer must have given up its partitions first. */
    public Set<TopicPartition> leave() {
        leaving = true;
        nextHeartbeatAtMs = 0;
        revoking = false;
        Set<TopicPartition> given = Set.copyOf(owned);
        owned.clear();
        if (memberEpoch == 0 && !isStatic()) {
            left = true; // never joined: nothing to tell
        }
        return given;
    }

    public boolean hasLeft() {
        return left;
    }

    private Change accept(ConsumerGroupHeartbeatResponse response, long nowMs) {
        memberEpoch = response.getMemberEpoch();
        subscriptionToSend = false;
        if (response.getSessionTimeoutMs() > 0) {
            sessionTimeoutMs = response.getSessionTimeoutMs();
        }
        if (response.getHeartbeatIntervalMs() > 0) {
            heartbeatIntervalMs = response.getHeartbeatIntervalMs();
        }
        leaseExpiresAtMs = inFlightSentAtMs + sessionTimeoutMs;
        Set<TopicPartition> target = new TreeSet<>();
        for (TopicPartitions topic : response.getAssignmentList()) {
            topic.getPartitionsList().forEach(p -> target.add(new TopicPartition(topic.getTopic(), p)));
        }
        Set<TopicPartition> revoked = new TreeSet<>(owned);
        revoked.removeAll(target);
        Set<TopicPartition> assigned = new TreeSet<>(target);
        assigned.removeAll(owned);
        owned.removeAll(revoked);
        owned.addAll(assigned);
        if (!revoked.isEmpty()) {
            revoking = true; // the next heartbeat waits for revocationDone()
        }
        nextHeartbeatAtMs = nowMs + heartbeatIntervalMs;
        return new Change(revoked, assigned, Set.of());
    }

    private Change loseEverything() {
        Set<TopicPartition> lost = new TreeSet<>(owned);
        owned.clear();
        memberEpoch = 0;
        revoking = false;
        leaseExpiresAtMs = Long.MIN_VALUE;
        return new Change(Set.of(), Set.of(), lost);
    }

    private static List<TopicPartitions> toWire(Set<TopicPartition> partitions) {
        Map<String, TopicPartitions.Builder> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            byTopic.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t)).addPartitions(tp.partition());
        }
        List<TopicPartitions> out = new ArrayList<>();
        byTopic.values().forEach(b -> out.add(b.build()));
        return out;
    }
}
