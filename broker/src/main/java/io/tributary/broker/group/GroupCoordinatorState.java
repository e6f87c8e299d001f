package io.tributary.broker.group;

import io.tributary.broker.group.assignor.AssignmentSpec;
import io.tributary.broker.group.assignor.Assignors;
import io.tributary.broker.group.assignor.PartitionAssignor;
import io.tributary.broker.group.classic.ClassicGroup;
import io.tributary.broker.group.classic.ClassicGroupDescription;
import io.tributary.broker.group.classic.ClassicGroups;
import io.tributary.broker.group.classic.ClassicHeartbeat;
import io.tributary.broker.group.classic.ClassicJoin;
import io.tributary.broker.group.classic.ClassicLeave;
import io.tributary.broker.group.classic.ClassicOutcome;
import io.tributary.broker.group.classic.ClassicSync;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.group.v1.ClassicGroupValue;
import io.tributary.proto.group.v1.CurrentMemberAssignmentValue;
import io.tributary.proto.group.v1.GroupMetadataValue;
import io.tributary.proto.group.v1.GroupRecordKey;
import io.tributary.proto.group.v1.MemberMetadataValue;
import io.tributary.proto.group.v1.OffsetCommitValue;
import io.tributary.proto.group.v1.TargetAssignmentMemberValue;
import io.tributary.proto.group.v1.TargetAssignmentMetadataValue;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ConsumerGroupHeartbeatResponse;
import io.tributary.proto.v1.DeletedGroup;
import io.tributary.proto.v1.DescribedGroup;
import io.tributary.proto.v1.DescribedMember;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.GroupType;
import io.tributary.proto.v1.ListedGroup;
import io.tributary.proto.v1.OffsetCommitPartition;
import io.tributary.proto.v1.OffsetCommitPartitionResponse;
import io.tributary.proto.v1.OffsetCommitRequest;
import io.tributary.proto.v1.OffsetCommitResponse;
import io.tributary.proto.v1.OffsetCommitTopic;
import io.tributary.proto.v1.OffsetCommitTopicResponse;
import io.tributary.proto.v1.OffsetFetchPartitionResponse;
import io.tributary.proto.v1.OffsetFetchRequest;
import io.tributary.proto.v1.OffsetFetchResponse;
import io.tributary.proto.v1.OffsetFetchTopicResponse;
import io.tributary.proto.v1.TopicPartitions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The consumer groups of one offsets-topic partition, as its coordinator holds them: a pure state
 * machine with no I/O and no clock of its own (time comes in as {@code nowMs}).
 *
 * <p>Every change is made by writing group records: a handler builds the records that carry its
 * change and applies them at once through {@link #replay} (so later requests see it), and returns
 * them with its response. The runtime appends them to the offsets log and sends the response only
 * once they are committed; if it cannot, it drops this whole state and loads it again from the log.
 * Loading replays the same records through the same {@link #replay}, so a new coordinator holds
 * exactly the state the old one committed.
 *
 * <p>Timers (sessions, revocation deadlines) are not records: a loaded state gives every member a
 * full session from the time it was loaded.
 */
public final class GroupCoordinatorState {
    private static final int MAX_GROUP_ID_LENGTH = 255;

    private record MemberKey(String groupId, String memberId) {
    }

    private final GroupConfig config;
    private final Assignors assignors;
    private final TopicsImage topics;
    private final Map<String, ConsumerGroup> groups = new TreeMap<>();
    /** Groups of Kafka's classic protocol; their offsets are kept in {@link #groups} like everyone's. */
    private final ClassicGroups classic;
    private final Map<MemberKey, Long> sessionDeadlines = new HashMap<>();
    private final Map<MemberKey, Long> revocationDeadlines = new HashMap<>();
    /**
     * Members that did not give up revoked partitions in their rebalance timeout: refused until they
     * join again, and removed when their session runs out. Not removed at once, because the member
     * may deliver its partitions until its lease (its session) runs out.
     */
    private final Set<MemberKey> fenced = new HashSet<>();
    /** Wall-clock time each group without members was first seen so by {@link #expireOffsets}. */
    private final Map<String, Long> emptySinceMs = new HashMap<>();

    /**
     * @param uniqueIds what makes a classic member's id unique, also across coordinators (random UUIDs;
     *                  tests count)
     */
    public GroupCoordinatorState(GroupConfig config, Assignors assignors, TopicsImage topics, Supplier<String> uniqueIds) {
        this.config = config;
        this.assignors = assignors;
        this.topics = topics;
        this.classic = new ClassicGroups(config.classic(), uniqueIds);
    }

    /** Collects a handler's records, applying each as it is written. */
    private final class Writer {
        private final List<GroupRecord> records = new ArrayList<>();

        void write(GroupRecord record) {
            records.add(record);
            replay(record);
        }

        <T> CoordinatorResult<T> result(T response) {
            return new CoordinatorResult<>(records, response);
        }
    }

    public ConsumerGroup group(String groupId) {
        return groups.get(groupId);
    }

    public Map<String, ConsumerGroup> groups() {
        return java.util.Collections.unmodifiableMap(groups);
    }

    // ---------------------------------------------------------------- heartbeat

    /**
     * A member joins (epoch 0), heartbeats (its current epoch) or leaves (-1; -2 for a static member
     * leaving for now). Refusals come back as a response with an error code and change nothing.
     */
    public CoordinatorResult<ConsumerGroupHeartbeatResponse> heartbeat(ConsumerGroupHeartbeatRequest request,
                                                                       String clientHost, long nowMs) {
        Writer writer = new Writer();
        try {
            ConsumerGroupHeartbeatResponse response = switch (request.getMemberEpoch()) {
                case -1, -2 -> leave(request, writer, nowMs);
                default -> heartbeatOrJoin(request, clientHost, writer, nowMs);
            };
            return writer.result(response);
        } catch (GroupException e) {
            if (!writer.records.isEmpty()) {
                throw new IllegalStateException("a refused heartbeat wrote records", e);
            }
            return writer.result(ConsumerGroupHeartbeatResponse.newBuilder().setErrorCode(e.code())
                    .setErrorMessage(e.getMessage()).setMemberId(request.getMemberId()).setMemberEpoch(-1).build());
        }
    }

    private ConsumerGroupHeartbeatResponse heartbeatOrJoin(ConsumerGroupHeartbeatRequest request, String clientHost,
                                                           Writer writer, long nowMs) {
        String groupId = validGroupId(request.getGroupId());
        if (classic.hasMembers(groupId)) {
            throw new GroupException(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, "group " + groupId
                    + " has members of Kafka's classic group protocol: it cannot take consumer-protocol members");
        }
        String memberId = request.getMemberId();
        if (memberId.isEmpty()) {
            throw new GroupException(ErrorCode.INVALID_REQUEST, "member_id must be set (the member chooses it when it first joins)");
        }
        if (request.getMemberEpoch() < 0) {
            throw new GroupException(ErrorCode.INVALID_REQUEST, "member epoch " + request.getMemberEpoch()
                    + " is not 0 (join), -1 (leave), -2 (static leave) or a member's epoch");
        }
        boolean joining = request.getMemberEpoch() == 0;
        ConsumerGroup group = groups.get(groupId);
        ConsumerGroupMember member = group == null ? null : group.member(memberId).orElse(null);
        if (joining) {
            validateJoin(request);
            if (group == null) {
                writer.write(GroupRecords.groupMetadata(groupId, 0, Map.of()));
                group = groups.get(groupId);
            }
            if (!request.getInstanceId().isEmpty()) {
                member = takeOverInstance(group, request, member, writer);
            }
            if (member != null && member.leftTemporarily()) {
                writer.write(GroupRecords.currentAssignment(groupId, member.replacedBy(memberId, member.metadata())));
                member = group.member(memberId).orElseThrow();
            }
            if (member == null && group.members().size() >= config.maxSize()) {
                throw new GroupException(ErrorCode.GROUP_MAX_SIZE_REACHED, "group " + groupId + " has "
                        + group.members().size() + " members, the most group.consumer.max.size allows");
            }
            fenced.remove(new MemberKey(groupId, memberId)); // a member joins owning nothing
        } else {
            if (member == null) {
                throw new GroupException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + memberId + " is not in group "
                        + groupId + " (it left or its session expired): join again with epoch 0");
            }
            if (fenced.contains(new MemberKey(groupId, memberId))) {
                throw new GroupException(ErrorCode.FENCED_MEMBER_EPOCH, "member " + memberId + " of group " + groupId
                        + " did not give up its revoked partitions within its rebalance timeout: join again with epoch 0");
            }
            checkEpoch(group, member, request);
        }
        Assignment owned = request.getOwnedTopicPartitionsUnchanged() && member != null ? member.owned()
                : Assignment.fromWire(request.getOwnedTopicPartitionsList());
        boolean newMember = member == null;
        MemberMetadataValue metadata = updatedMetadata(member, request, clientHost);
        boolean subscriptionChanged = newMember || !sameSubscription(member.metadata(), metadata);
        if (newMember || !metadata.equals(member.metadata())) {
            writer.write(GroupRecords.memberMetadata(groupId, memberId, metadata));
        }
        member = group.member(memberId).orElseThrow();

        Map<String, Integer> subscribed = subscribedTopicPartitions(group);
        if (subscriptionChanged || !subscribed.equals(group.subscribedTopicPartitions())) {
            writer.write(GroupRecords.groupMetadata(groupId, group.epoch() + 1, subscribed));
        }
        if (group.assignmentEpoch() < group.epoch()) {
            computeTargetAssignment(group, subscribed, writer);
        }
        ConsumerGroup finalGroup = group;
        ConsumerGroupMember next = Reconciliation.next(member, owned, group.assignmentEpoch(), group.target(memberId),
                tp -> finalGroup.owner(tp).filter(owner -> !owner.equals(memberId)).isPresent());
        if (next.assignmentDiffers(member)) {
            writer.write(GroupRecords.currentAssignment(groupId, next));
        }
        MemberKey key = new MemberKey(groupId, memberId);
        sessionDeadlines.put(key, nowMs + config.sessionTimeoutMs());
        if (next.state() == MemberState.UNREVOKED_PARTITIONS) {
            revocationDeadlines.putIfAbsent(key, nowMs + metadata.getRebalanceTimeoutMs());
        } else {
            revocationDeadlines.remove(key);
        }
        return ConsumerGroupHeartbeatResponse.newBuilder()
                .setErrorCode(ErrorCode.NONE)
                .setMemberId(memberId)
                .setMemberEpoch(next.memberEpoch())
                .setHeartbeatIntervalMs(config.heartbeatIntervalMs())
                .setSessionTimeoutMs(config.sessionTimeoutMs())
                .addAllAssignment(next.assigned().toWire())
                .build();
    }

    private void validateJoin(ConsumerGroupHeartbeatRequest request) {
        if (!request.getSubscriptionSet()
                || (request.getSubscribedTopicNamesCount() == 0 && request.getSubscribedTopicRegex().isEmpty())) {
            throw new GroupException(ErrorCode.INVALID_REQUEST, "a joining member must subscribe to topic names or a regex");
        }
        if (request.getRebalanceTimeoutMs() <= 0) {
            throw new GroupException(ErrorCode.INVALID_REQUEST, "a joining member must give a rebalance timeout > 0, got "
                    + request.getRebalanceTimeoutMs());
        }
        validateSubscription(request);
    }

    private void validateSubscription(ConsumerGroupHeartbeatRequest request) {
        if (!request.getSubscribedTopicRegex().isEmpty()) {
            try {
                Pattern.compile(request.getSubscribedTopicRegex());
            } catch (PatternSyntaxException e) {
                throw new GroupException(ErrorCode.INVALID_REQUEST, "subscribed_topic_regex is not a valid regular expression: "
                        + e.getDescription());
            }
        }
        if (!request.getServerAssignor().isEmpty() && assignors.named(request.getServerAssignor()).isEmpty()) {
            throw new GroupException(ErrorCode.UNSUPPORTED_ASSIGNOR, "no server assignor " + request.getServerAssignor()
                    + "; this coordinator has " + assignors.names());
        }
    }

    /**
     * A static member joining: it takes over the member its instance id had if that one left for
     * now (keeping its epoch and partitions, so nothing moves), and is refused while that one is
     * still active.
     */
    private ConsumerGroupMember takeOverInstance(ConsumerGroup group, ConsumerGroupHeartbeatRequest request,
                                                 ConsumerGroupMember member, Writer writer) {
        String previousId = group.memberIdOfInstance(request.getInstanceId()).orElse(null);
        if (previousId == null || previousId.equals(request.getMemberId())) {
            return member;
        }
        ConsumerGroupMember previous = group.member(previousId).orElseThrow();
        if (!previous.leftTemporarily()) {
            throw new GroupException(ErrorCode.UNRELEASED_INSTANCE_ID, "instance id " + request.getInstanceId()
                    + " is still held by active member " + previousId + " of group " + group.groupId());
        }
        if (member != null) {
            throw new GroupException(ErrorCode.INVALID_REQUEST, "member " + member.memberId()
                    + " is already in group " + group.groupId() + " without instance id " + request.getInstanceId());
        }
        String groupId = group.groupId();
        Assignment target = group.target(previousId);
        removeMemberRecords(groupId, previousId, writer);
        ConsumerGroupMember replacement = previous.replacedBy(request.getMemberId(), previous.metadata());
        writer.write(GroupRecords.memberMetadata(groupId, replacement.memberId(), replacement.metadata()));
        writer.write(GroupRecords.targetAssignment(groupId, replacement.memberId(), target));
        writer.write(GroupRecords.currentAssignment(groupId, replacement));
        forgetTimers(new MemberKey(groupId, previousId));
        return group.member(replacement.memberId()).orElseThrow();
    }

    private void checkEpoch(ConsumerGroup group, ConsumerGroupMember member, ConsumerGroupHeartbeatRequest request) {
        int epoch = request.getMemberEpoch();
        if (member.leftTemporarily()) {
            throw new GroupException(ErrorCode.FENCED_MEMBER_EPOCH, "static member " + member.memberId()
                    + " left group " + group.groupId() + ": join again with epoch 0");
        }
        if (epoch == member.memberEpoch()) {
            return;
        }
        // The member missed the response that moved it on: its owned partitions tell whether it is
        // still a member in good standing (it owns nothing it was not given).
        Assignment owned = Assignment.fromWire(request.getOwnedTopicPartitionsList());
        if (epoch == member.previousMemberEpoch() && member.owned().partitions().containsAll(owned.partitions())) {
            return;
        }
        throw new GroupException(ErrorCode.FENCED_MEMBER_EPOCH, "member " + member.memberId() + " of group "
                + group.groupId() + " sent epoch " + epoch + " but is at " + member.memberEpoch()
                + ": give up its partitions and join again with epoch 0");
    }

    private MemberMetadataValue updatedMetadata(ConsumerGroupMember member, ConsumerGroupHeartbeatRequest request,
                                                String clientHost) {
        MemberMetadataValue.Builder metadata = member == null ? MemberMetadataValue.newBuilder()
                : member.metadata().toBuilder();
        if (request.getSubscriptionSet()) {
            validateSubscription(request);
            metadata.clearSubscribedTopicNames()
                    .addAllSubscribedTopicNames(new TreeSet<>(request.getSubscribedTopicNamesList()))
                    .setSubscribedTopicRegex(request.getSubscribedTopicRegex());
        }
        if (request.getRebalanceTimeoutMs() > 0) {
            metadata.setRebalanceTimeoutMs(request.getRebalanceTimeoutMs());
        }
        if (request.getSubscriptionSet() || member == null) {
            metadata.setServerAssignor(request.getServerAssignor());
        }
        if (request.getMemberEpoch() == 0) {
            metadata.setInstanceId(request.getInstanceId()); // fixed for the member's life from its join
        }
        if (!request.getRackId().isEmpty()) {
            metadata.setRackId(request.getRackId());
        }
        if (!request.getClientId().isEmpty()) {
            metadata.setClientId(request.getClientId());
        }
        if (clientHost != null && !clientHost.isEmpty()) {
            metadata.setClientHost(clientHost);
        }
        return metadata.build();
    }

    private static boolean sameSubscription(MemberMetadataValue a, MemberMetadataValue b) {
        return a.getSubscribedTopicNamesList().equals(b.getSubscribedTopicNamesList())
                && a.getSubscribedTopicRegex().equals(b.getSubscribedTopicRegex())
                && a.getServerAssignor().equals(b.getServerAssignor());
    }

    private ConsumerGroupHeartbeatResponse leave(ConsumerGroupHeartbeatRequest request, Writer writer, long nowMs) {
        String groupId = validGroupId(request.getGroupId());
        ConsumerGroup group = groups.get(groupId);
        ConsumerGroupMember member = group == null ? null : group.member(request.getMemberId()).orElse(null);
        ConsumerGroupHeartbeatResponse gone = ConsumerGroupHeartbeatResponse.newBuilder().setErrorCode(ErrorCode.NONE)
                .setMemberId(request.getMemberId()).setMemberEpoch(request.getMemberEpoch()).build();
        if (member == null) {
            return gone; // a retried leave: the member is gone already
        }
        if (request.getMemberEpoch() == -2 && member.isStatic()) {
            if (!member.leftTemporarily()) {
                writer.write(GroupRecords.currentAssignment(groupId, member.leavingTemporarily()));
            }
            MemberKey key = new MemberKey(groupId, member.memberId());
            sessionDeadlines.put(key, nowMs + config.sessionTimeoutMs());
            revocationDeadlines.remove(key);
            return gone;
        }
        removeMember(group, member.memberId(), writer);
        return gone;
    }

    /** Removes a member and computes the group's target without it; its partitions are free at once. */
    private void removeMember(ConsumerGroup group, String memberId, Writer writer) {
        removeMemberRecords(group.groupId(), memberId, writer);
        forgetTimers(new MemberKey(group.groupId(), memberId));
        Map<String, Integer> subscribed = subscribedTopicPartitions(group);
        writer.write(GroupRecords.groupMetadata(group.groupId(), group.epoch() + 1, subscribed));
        computeTargetAssignment(group, subscribed, writer);
    }

    private static void removeMemberRecords(String groupId, String memberId, Writer writer) {
        writer.write(GroupRecords.currentAssignmentTombstone(groupId, memberId));
        writer.write(GroupRecords.targetAssignmentTombstone(groupId, memberId));
        writer.write(GroupRecords.memberMetadataTombstone(groupId, memberId));
    }

    private void forgetTimers(MemberKey key) {
        sessionDeadlines.remove(key);
        revocationDeadlines.remove(key);
        fenced.remove(key);
    }

    // ---------------------------------------------------------------- target assignment

    /** The partition count of every existing topic some member subscribes to, by name or regex. */
    private Map<String, Integer> subscribedTopicPartitions(ConsumerGroup group) {
        Set<String> names = new TreeSet<>();
        List<Pattern> regexes = new ArrayList<>();
        for (ConsumerGroupMember member : group.members().values()) {
            names.addAll(member.subscribedTopicNames());
            if (!member.metadata().getSubscribedTopicRegex().isEmpty()) {
                regexes.add(Pattern.compile(member.metadata().getSubscribedTopicRegex()));
            }
        }
        if (!regexes.isEmpty()) {
            for (String topic : topics.topicNames()) {
                if (!topic.startsWith("__") && regexes.stream().anyMatch(r -> r.matcher(topic).matches())) {
                    names.add(topic);
                }
            }
        }
        Map<String, Integer> out = new TreeMap<>();
        for (String topic : names) {
            int count = topics.partitionCount(topic);
            if (count > 0) {
                out.put(topic, count);
            }
        }
        return out;
    }

    private void computeTargetAssignment(ConsumerGroup group, Map<String, Integer> subscribed, Writer writer) {
        TreeMap<String, AssignmentSpec.Member> specMembers = new TreeMap<>();
        Map<String, Pattern> regexByMember = new HashMap<>();
        for (ConsumerGroupMember member : group.members().values()) {
            String regex = member.metadata().getSubscribedTopicRegex();
            Pattern pattern = regex.isEmpty() ? null : regexByMember.computeIfAbsent(regex, Pattern::compile);
            Set<String> memberTopics = new HashSet<>();
            for (String topic : subscribed.keySet()) {
                if (member.subscribesTo(topic, pattern)) {
                    memberTopics.add(topic);
                }
            }
            specMembers.put(member.memberId(), new AssignmentSpec.Member(memberTopics, group.target(member.memberId())));
        }
        Map<String, Assignment> targets = chooseAssignor(group).assign(new AssignmentSpec(specMembers, new TreeMap<>(subscribed)));
        for (String memberId : specMembers.keySet()) {
            Assignment target = targets.getOrDefault(memberId, Assignment.EMPTY);
            if (!target.equals(group.target(memberId))) {
                writer.write(GroupRecords.targetAssignment(group.groupId(), memberId, target));
            }
        }
        writer.write(GroupRecords.targetAssignmentEpoch(group.groupId(), group.epoch()));
    }

    /** The assignor most members ask for (ties by name), else the default. */
    private PartitionAssignor chooseAssignor(ConsumerGroup group) {
        Map<String, Integer> votes = new TreeMap<>();
        for (ConsumerGroupMember member : group.members().values()) {
            if (!member.metadata().getServerAssignor().isEmpty()) {
                votes.merge(member.metadata().getServerAssignor(), 1, Integer::sum);
            }
        }
        String chosen = null;
        int most = 0;
        for (Map.Entry<String, Integer> vote : votes.entrySet()) { // in name order: the first of equals wins
            if (vote.getValue() > most) {
                chosen = vote.getKey();
                most = vote.getValue();
            }
        }
        return chosen == null ? assignors.defaultAssignor() : assignors.named(chosen).orElse(assignors.defaultAssignor());
    }

    // ---------------------------------------------------------------- timers

    /**
     * Removes every member whose session expired, and fences every member that did not give up its
     * revoked partitions in its rebalance timeout (it is removed when its session runs out).
     *
     * @return the records of the removals, and the removed members as "group/member"
     */
    public CoordinatorResult<List<String>> expireMembers(long nowMs) {
        Writer writer = new Writer();
        List<MemberKey> overdue = new ArrayList<>();
        revocationDeadlines.forEach((key, deadline) -> {
            if (deadline <= nowMs) {
                overdue.add(key);
            }
        });
        for (MemberKey key : overdue) {
            revocationDeadlines.remove(key);
            fenced.add(key);
        }
        Set<MemberKey> due = new TreeSet<>(java.util.Comparator.comparing(MemberKey::groupId).thenComparing(MemberKey::memberId));
        sessionDeadlines.forEach((key, deadline) -> {
            if (deadline <= nowMs) {
                due.add(key);
            }
        });
        List<String> expired = new ArrayList<>();
        for (MemberKey key : due) {
            ConsumerGroup group = groups.get(key.groupId());
            if (group != null && group.member(key.memberId()).isPresent()) {
                removeMember(group, key.memberId(), writer);
                expired.add(key.groupId() + "/" + key.memberId());
            } else {
                forgetTimers(key);
            }
        }
        return writer.result(expired);
    }

    /** The earliest time a member may expire, or Long.MAX_VALUE. */
    public long nextDeadlineMs() {
        long next = Long.MAX_VALUE;
        for (long deadline : sessionDeadlines.values()) {
            next = Math.min(next, deadline);
        }
        for (long deadline : revocationDeadlines.values()) {
            next = Math.min(next, deadline);
        }
        return Math.min(next, classic.nextDeadlineMs());
    }

    /** After loading: every member gets a full session (and revocation time) from now. */
    public void startTimers(long nowMs) {
        classic.startTimers(nowMs);
        sessionDeadlines.clear();
        revocationDeadlines.clear();
        fenced.clear();
        groups.values().forEach(group -> group.members().values().forEach(member -> {
            MemberKey key = new MemberKey(group.groupId(), member.memberId());
            sessionDeadlines.put(key, nowMs + config.sessionTimeoutMs());
            if (member.state() == MemberState.UNREVOKED_PARTITIONS) {
                revocationDeadlines.put(key, nowMs + member.metadata().getRebalanceTimeoutMs());
            }
        }));
    }

    // ---------------------------------------------------------------- Kafka's classic protocol

    /**
     * A JoinGroup of Kafka's classic protocol ({@link ClassicGroups}); refused while the group has
     * consumer-protocol members.
     */
    public ClassicOutcome<ClassicJoin.Result> joinClassic(ClassicJoin.Request request, long token, long nowMs) {
        String groupId = validGroupId(request.groupId());
        ConsumerGroup group = groups.get(groupId);
        if (group != null && group.hasMembers()) {
            return new ClassicOutcome<>(ClassicJoin.Result.error(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, "group " + groupId
                    + " has consumer-protocol members: it cannot take members of the classic protocol",
                    request.memberId()), List.of(), Map.of(), Map.of(), List.of());
        }
        return classic.join(request, token, nowMs);
    }

    public ClassicOutcome<ClassicSync.Result> syncClassic(ClassicSync.Request request, long token, long nowMs) {
        return classic.sync(request, token, nowMs);
    }

    /** A classic Heartbeat: NONE, REBALANCE_IN_PROGRESS to join again, or why the member is not in the group. */
    public ClassicHeartbeat heartbeatClassic(String groupId, String memberId, String instanceId, int generation,
                                             long nowMs) {
        ErrorCode code = classic.heartbeat(groupId, memberId, instanceId, generation, nowMs);
        String message = switch (code) {
            case NONE -> "";
            case REBALANCE_IN_PROGRESS -> "group " + groupId + " is rebalancing: join again";
            default -> classic.heartbeatRefusal(code, groupId, memberId, generation);
        };
        return new ClassicHeartbeat(code, message);
    }

    public ClassicOutcome<List<ClassicLeave.MemberResult>> leaveClassic(String groupId, List<ClassicLeave.Member> members,
                                                                        long nowMs) {
        return classic.leave(groupId, members, nowMs);
    }

    /** Classic members whose session, join or sync ran out; joins whose wait is over. */
    public ClassicOutcome<Void> expireClassic(long nowMs) {
        return classic.expire(nowMs);
    }

    // ---------------------------------------------------------------- offsets

    /**
     * Commits offsets for a member of the group (its current epoch, partitions it owns), or for a
     * client outside the group (empty member id, epoch -1) while the group has no members.
     */
    public CoordinatorResult<OffsetCommitResponse> commitOffsets(OffsetCommitRequest request, long nowMs) {
        Writer writer = new Writer();
        ConsumerGroupMember member;
        try {
            String groupId = validGroupId(request.getGroupId());
            Optional<ErrorCode> classicCheck = classic.checkCommit(groupId, request.getMemberId(), "",
                    request.getMemberEpoch(), nowMs);
            if (classicCheck.isPresent() && classicCheck.get() != ErrorCode.NONE) {
                throw new GroupException(classicCheck.get(), classic.heartbeatRefusal(classicCheck.get(), groupId,
                        request.getMemberId(), request.getMemberEpoch()));
            }
            member = classicCheck.isPresent() ? null : committer(groupId, request);
        } catch (GroupException e) {
            return writer.result(OffsetCommitResponse.newBuilder().setErrorCode(e.code()).setErrorMessage(e.getMessage())
                    .addAllTopics(everyPartitionFailed(request, e.code())).build());
        }
        String groupId = request.getGroupId();
        OffsetCommitResponse.Builder response = OffsetCommitResponse.newBuilder().setErrorCode(ErrorCode.NONE);
        List<GroupRecord> commits = new ArrayList<>();
        for (OffsetCommitTopic topic : request.getTopicsList()) {
            OffsetCommitTopicResponse.Builder topicResponse = OffsetCommitTopicResponse.newBuilder().setTopic(topic.getTopic());
            int partitionCount = topics.partitionCount(topic.getTopic());
            for (OffsetCommitPartition p : topic.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(topic.getTopic(), p.getPartition());
                ErrorCode code = ErrorCode.NONE;
                String message = "";
                if (p.getPartition() < 0 || p.getPartition() >= partitionCount) {
                    code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
                    message = "no partition " + tp;
                } else if (p.getCommittedOffset() < 0) {
                    code = ErrorCode.INVALID_REQUEST;
                    message = "committed offset " + p.getCommittedOffset() + " for " + tp + " is negative";
                } else if (p.getMetadata().getBytes(StandardCharsets.UTF_8).length > config.metadataMaxBytes()) {
                    code = ErrorCode.OFFSET_METADATA_TOO_LARGE;
                    message = "commit metadata for " + tp + " is longer than offset.metadata.max.bytes ("
                            + config.metadataMaxBytes() + ")";
                } else if (member != null && !member.owned().contains(tp)) {
                    code = ErrorCode.STALE_MEMBER_EPOCH;
                    message = "member " + member.memberId() + " does not own " + tp + " at epoch " + member.memberEpoch();
                } else {
                    commits.add(GroupRecords.offsetCommit(groupId, tp, new CommittedOffset(p.getCommittedOffset(),
                            p.getCommittedLeaderEpoch(), p.getMetadata(), nowMs)));
                }
                topicResponse.addPartitions(OffsetCommitPartitionResponse.newBuilder().setPartition(p.getPartition())
                        .setErrorCode(code).setErrorMessage(message));
            }
            response.addTopics(topicResponse);
        }
        if (!commits.isEmpty() && !groups.containsKey(groupId)) {
            writer.write(GroupRecords.groupMetadata(groupId, 0, Map.of()));
        }
        commits.forEach(writer::write);
        return writer.result(response.build());
    }

    /** The committing member, or null for a commit from outside the group. */
    private ConsumerGroupMember committer(String groupId, OffsetCommitRequest request) {
        ConsumerGroup group = groups.get(groupId);
        if (request.getMemberId().isEmpty()) {
            if (request.getMemberEpoch() >= 0) {
                throw new GroupException(ErrorCode.UNKNOWN_MEMBER_ID, "a commit with member epoch "
                        + request.getMemberEpoch() + " must name its member");
            }
            if (group != null && group.hasMembers()) {
                throw new GroupException(ErrorCode.NON_EMPTY_GROUP, "group " + groupId + " has "
                        + group.members().size() + " active members: only they commit its offsets");
            }
            return null;
        }
        ConsumerGroupMember member = group == null ? null : group.member(request.getMemberId()).orElse(null);
        if (member == null) {
            throw new GroupException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + request.getMemberId()
                    + " is not in group " + groupId);
        }
        if (member.leftTemporarily() || request.getMemberEpoch() > member.memberEpoch()
                || fenced.contains(new MemberKey(groupId, member.memberId()))) {
            throw new GroupException(ErrorCode.FENCED_MEMBER_EPOCH, "member " + member.memberId() + " of group "
                    + groupId + " committed at epoch " + request.getMemberEpoch() + " but is at " + member.memberEpoch());
        }
        if (request.getMemberEpoch() < member.memberEpoch()) {
            throw new GroupException(ErrorCode.STALE_MEMBER_EPOCH, "member " + member.memberId() + " of group "
                    + groupId + " committed at epoch " + request.getMemberEpoch() + ", before its current epoch "
                    + member.memberEpoch());
        }
        return member;
    }

    private static List<OffsetCommitTopicResponse> everyPartitionFailed(OffsetCommitRequest request, ErrorCode code) {
        List<OffsetCommitTopicResponse> out = new ArrayList<>();
        for (OffsetCommitTopic topic : request.getTopicsList()) {
            OffsetCommitTopicResponse.Builder t = OffsetCommitTopicResponse.newBuilder().setTopic(topic.getTopic());
            topic.getPartitionsList().forEach(p -> t.addPartitions(
                    OffsetCommitPartitionResponse.newBuilder().setPartition(p.getPartition()).setErrorCode(code)));
            out.add(t.build());
        }
        return out;
    }

    /** The group's committed offsets: those asked for (-1 where none), or all of them. */
    public OffsetFetchResponse fetchOffsets(OffsetFetchRequest request) {
        ConsumerGroup group = groups.get(request.getGroupId());
        Map<TopicPartition, CommittedOffset> offsets = group == null ? Map.of() : group.offsets();
        Map<String, List<Integer>> asked = new LinkedHashMap<>();
        if (request.getTopicsCount() == 0) {
            offsets.keySet().forEach(tp -> asked.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        } else {
            for (TopicPartitions topic : request.getTopicsList()) {
                asked.computeIfAbsent(topic.getTopic(), t -> new ArrayList<>()).addAll(topic.getPartitionsList());
            }
        }
        OffsetFetchResponse.Builder response = OffsetFetchResponse.newBuilder().setErrorCode(ErrorCode.NONE);
        asked.forEach((topic, partitions) -> {
            OffsetFetchTopicResponse.Builder t = OffsetFetchTopicResponse.newBuilder().setTopic(topic);
            for (int partition : partitions) {
                CommittedOffset offset = offsets.get(new TopicPartition(topic, partition));
                OffsetFetchPartitionResponse.Builder p = OffsetFetchPartitionResponse.newBuilder().setPartition(partition);
                if (offset == null) {
                    p.setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setCommitTimestampMs(-1);
                } else {
                    p.setCommittedOffset(offset.offset()).setCommittedLeaderEpoch(offset.leaderEpoch())
                            .setMetadata(offset.metadata()).setCommitTimestampMs(offset.commitTimestampMs());
                }
                t.addPartitions(p);
            }
            response.addTopics(t);
        });
        return response.build();
    }

    // ---------------------------------------------------------------- list / describe / delete

    public List<ListedGroup> listGroups(int coordinatorId) {
        List<ListedGroup> out = new ArrayList<>();
        groups.values().forEach(g -> {
            Optional<ClassicGroup> classicGroup = classic.group(g.groupId());
            if (classicGroup.isEmpty()) {
                out.add(ListedGroup.newBuilder().setGroupId(g.groupId()).setState(g.state().label())
                        .setCoordinatorId(coordinatorId).setType(GroupType.CONSUMER).setProtocolType("consumer").build());
            }
        });
        classic.groups().forEach(g -> out.add(ListedGroup.newBuilder().setGroupId(g.groupId())
                .setState(g.state().label()).setCoordinatorId(coordinatorId).setType(GroupType.CLASSIC)
                .setProtocolType(g.protocolType()).build()));
        return out;
    }

    /** A group of Kafka's classic protocol as DescribeGroups shows it, if {@code groupId} is one. */
    public Optional<ClassicGroupDescription> describeClassic(String groupId) {
        return classic.describe(groupId);
    }

    public DescribedGroup describe(String groupId) {
        Optional<ClassicGroupDescription> classicGroup = classic.describe(groupId);
        if (classicGroup.isPresent()) {
            ClassicGroupDescription g = classicGroup.get();
            DescribedGroup.Builder out = DescribedGroup.newBuilder().setGroupId(groupId).setErrorCode(ErrorCode.NONE)
                    .setType(GroupType.CLASSIC).setState(g.state()).setGroupEpoch(g.generation())
                    .setAssignor(g.protocolName());
            g.members().forEach(m -> out.addMembers(DescribedMember.newBuilder().setMemberId(m.memberId())
                    .setInstanceId(m.instanceId()).setClientId(m.clientId()).setClientHost(m.clientHost())
                    .setMemberEpoch(g.generation())));
            return out.build();
        }
        ConsumerGroup group = groups.get(groupId);
        if (group == null) {
            return DescribedGroup.newBuilder().setGroupId(groupId).setErrorCode(ErrorCode.GROUP_ID_NOT_FOUND)
                    .setErrorMessage("no group " + groupId).build();
        }
        DescribedGroup.Builder out = DescribedGroup.newBuilder().setGroupId(groupId).setErrorCode(ErrorCode.NONE)
                .setState(group.state().label()).setGroupEpoch(group.epoch()).setAssignmentEpoch(group.assignmentEpoch())
                .setAssignor(group.hasMembers() ? chooseAssignor(group).name() : "");
        for (ConsumerGroupMember member : group.members().values()) {
            out.addMembers(DescribedMember.newBuilder()
                    .setMemberId(member.memberId())
                    .setInstanceId(member.instanceId())
                    .setClientId(member.metadata().getClientId())
                    .setClientHost(member.metadata().getClientHost())
                    .setMemberEpoch(member.memberEpoch())
                    .addAllSubscribedTopicNames(member.subscribedTopicNames())
                    .setSubscribedTopicRegex(member.metadata().getSubscribedTopicRegex())
                    .addAllAssignment(member.assigned().toWire())
                    .addAllTargetAssignment(group.target(member.memberId()).toWire())
                    .setState(member.leftTemporarily() ? "left_temporarily" : member.state().label()));
        }
        return out.build();
    }

    /** Deletes a group with no members, and its offsets. */
    public CoordinatorResult<DeletedGroup> deleteGroup(String groupId) {
        Writer writer = new Writer();
        ConsumerGroup group = groups.get(groupId);
        DeletedGroup.Builder out = DeletedGroup.newBuilder().setGroupId(groupId);
        if (classic.hasMembers(groupId)) {
            return writer.result(out.setErrorCode(ErrorCode.NON_EMPTY_GROUP).setErrorMessage("group " + groupId
                    + " has " + classic.group(groupId).map(g -> g.members().size()).orElse(0) + " active members").build());
        }
        Optional<GroupRecord> classicTombstone = classic.delete(groupId);
        classicTombstone.ifPresent(writer.records::add);
        if (group == null) {
            return writer.result(classicTombstone.isPresent() ? out.setErrorCode(ErrorCode.NONE).build()
                    : out.setErrorCode(ErrorCode.GROUP_ID_NOT_FOUND).setErrorMessage("no group " + groupId).build());
        }
        if (group.hasMembers()) {
            return writer.result(out.setErrorCode(ErrorCode.NON_EMPTY_GROUP).setErrorMessage("group " + groupId
                    + " has " + group.members().size() + " active members").build());
        }
        new ArrayList<>(group.offsets().keySet()).forEach(tp -> writer.write(GroupRecords.offsetTombstone(groupId, tp)));
        writeGroupTombstones(groupId, writer);
        return writer.result(out.setErrorCode(ErrorCode.NONE).build());
    }

    /**
     * Deletes a group's committed offsets of these partitions (Kafka's OffsetDelete), except in
     * topics its members subscribe to. A classic group with members is refused as a whole: its
     * subscriptions are in its members' opaque metadata.
     */
    public CoordinatorResult<OffsetDeletion> deleteOffsets(String groupId, Collection<TopicPartition> partitions) {
        Writer writer = new Writer();
        validGroupId(groupId);
        ConsumerGroup group = groups.get(groupId);
        if (classic.hasMembers(groupId)) {
            return writer.result(OffsetDeletion.refused(ErrorCode.NON_EMPTY_GROUP, "group " + groupId
                    + " has active members of the classic protocol"));
        }
        if (group == null) {
            return writer.result(OffsetDeletion.refused(ErrorCode.GROUP_ID_NOT_FOUND, "no group " + groupId));
        }
        Set<String> subscribed = group.hasMembers() ? subscribedTopicPartitions(group).keySet() : Set.of();
        Map<TopicPartition, ErrorCode> outcome = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            if (subscribed.contains(tp.topic())) {
                outcome.put(tp, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
                continue;
            }
            if (group.offsets().containsKey(tp)) {
                writer.write(GroupRecords.offsetTombstone(groupId, tp));
            }
            outcome.put(tp, ErrorCode.NONE);
        }
        deleteIfDrained(groupId, writer);
        return writer.result(new OffsetDeletion(ErrorCode.NONE, "", outcome));
    }

    private static void writeGroupTombstones(String groupId, Writer writer) {
        writer.write(GroupRecords.targetAssignmentEpochTombstone(groupId));
        writer.write(GroupRecords.groupTombstone(groupId));
    }

    /** Deletes a group left with neither members nor offsets, as Kafka does when its last offset goes. */
    private void deleteIfDrained(String groupId, Writer writer) {
        ConsumerGroup group = groups.get(groupId);
        if (group != null && !group.hasMembers() && group.offsets().isEmpty()) {
            writeGroupTombstones(groupId, writer);
            if (!classic.hasMembers(groupId)) {
                classic.delete(groupId).ifPresent(writer.records::add);
            }
        }
    }

    /**
     * Forgets every group's offsets in topics that were deleted, so that a topic created again under
     * the same name is read from its reset policy instead of from offsets of a log that is gone.
     *
     * @return the records, and how many offsets were removed
     */
    public CoordinatorResult<Integer> deleteOffsetsOfTopics(Set<String> deletedTopics) {
        Writer writer = new Writer();
        int removed = 0;
        for (ConsumerGroup group : List.copyOf(groups.values())) {
            for (TopicPartition tp : List.copyOf(group.offsets().keySet())) {
                if (deletedTopics.contains(tp.topic())) {
                    writer.write(GroupRecords.offsetTombstone(group.groupId(), tp));
                    removed++;
                }
            }
            deleteIfDrained(group.groupId(), writer);
        }
        return writer.result(removed);
    }

    /**
     * Removes the offsets of groups without members once {@code offsets.retention.minutes} passed
     * both since the offset's commit and since the group was last seen with members (Kafka's rule
     * since KIP-211), and then groups left with nothing. The empty-since time is this coordinator's
     * first sweep that saw the group empty, so a failover only ever makes offsets live longer. A
     * group with neither members nor offsets is deleted.
     *
     * @param wallClockNowMs the time commit timestamps are compared with
     * @return the records, and the expired offsets as "group/topic-partition"
     */
    public CoordinatorResult<List<String>> expireOffsets(long wallClockNowMs) {
        Writer writer = new Writer();
        List<String> expired = new ArrayList<>();
        emptySinceMs.keySet().removeIf(id -> !groups.containsKey(id) || groups.get(id).hasMembers()
                || classic.hasMembers(id));
        for (ConsumerGroup group : List.copyOf(groups.values())) {
            if (group.hasMembers() || classic.hasMembers(group.groupId())) {
                continue;
            }
            long emptySince = emptySinceMs.computeIfAbsent(group.groupId(), id -> wallClockNowMs);
            for (Map.Entry<TopicPartition, CommittedOffset> e : List.copyOf(group.offsets().entrySet())) {
                long since = Math.max(emptySince, e.getValue().commitTimestampMs());
                if (wallClockNowMs - since >= config.offsetsRetentionMs()) {
                    writer.write(GroupRecords.offsetTombstone(group.groupId(), e.getKey()));
                    expired.add(group.groupId() + "/" + e.getKey().topic() + "-" + e.getKey().partition());
                }
            }
            deleteIfDrained(group.groupId(), writer);
        }
        // an empty classic group that never kept an offset (or whose offsets went before it emptied)
        for (ClassicGroup g : classic.groups()) {
            if (!classic.hasMembers(g.groupId()) && !groups.containsKey(g.groupId())) {
                classic.delete(g.groupId()).ifPresent(writer.records::add);
            }
        }
        return writer.result(expired);
    }

    // ---------------------------------------------------------------- replay

    /** Applies one record of the offsets log: how handlers change state and how a coordinator loads it. */
    public void replay(GroupRecord record) {
        GroupRecordKey key = record.key();
        String groupId = record.groupId();
        if (key.getKeyCase() == GroupRecordKey.KeyCase.CLASSIC_GROUP) {
            classic.replay(groupId, (ClassicGroupValue) record.value());
            return;
        }
        if (key.getKeyCase() == GroupRecordKey.KeyCase.GROUP_METADATA && record.isTombstone()) {
            groups.remove(groupId);
            return;
        }
        if (record.isTombstone() && !groups.containsKey(groupId)) {
            return; // a deleted group's tombstone that outlived the group's own (compaction drops them apart)
        }
        ConsumerGroup group = groups.computeIfAbsent(groupId, ConsumerGroup::new);
        switch (key.getKeyCase()) {
            case GROUP_METADATA -> {
                GroupMetadataValue value = (GroupMetadataValue) record.value();
                group.setEpoch(value.getEpoch(), value.getSubscribedTopicPartitionsMap());
            }
            case MEMBER_METADATA -> {
                String memberId = key.getMemberMetadata().getMemberId();
                if (record.isTombstone()) {
                    group.removeMember(memberId);
                } else {
                    group.putMetadata(memberId, (MemberMetadataValue) record.value());
                }
            }
            case TARGET_ASSIGNMENT_METADATA -> group.setAssignmentEpoch(record.isTombstone() ? 0
                    : ((TargetAssignmentMetadataValue) record.value()).getAssignmentEpoch());
            case TARGET_ASSIGNMENT_MEMBER -> group.setTarget(key.getTargetAssignmentMember().getMemberId(),
                    record.isTombstone() ? null
                            : Assignment.fromStored(((TargetAssignmentMemberValue) record.value()).getPartitionsList()));
            case CURRENT_MEMBER_ASSIGNMENT -> {
                String memberId = key.getCurrentMemberAssignment().getMemberId();
                ConsumerGroupMember member = group.member(memberId).orElse(null);
                if (record.isTombstone()) {
                    if (member != null) {
                        group.putMember(member.withCurrentAssignment(CurrentMemberAssignmentValue.getDefaultInstance()));
                    }
                } else {
                    // compaction may leave a member's assignment before its metadata
                    ConsumerGroupMember known = member != null ? member
                            : ConsumerGroupMember.joining(memberId, MemberMetadataValue.getDefaultInstance());
                    group.putMember(known.withCurrentAssignment((CurrentMemberAssignmentValue) record.value()));
                }
            }
            case OFFSET_COMMIT -> {
                TopicPartition tp = new TopicPartition(key.getOffsetCommit().getTopic(), key.getOffsetCommit().getPartition());
                OffsetCommitValue value = (OffsetCommitValue) record.value();
                group.putOffset(tp, value == null ? null : new CommittedOffset(value.getCommittedOffset(),
                        value.getCommittedLeaderEpoch(), value.getMetadata(), value.getCommitTimestampMs()));
            }
            case CLASSIC_GROUP, KEY_NOT_SET -> throw new GroupRecordFormatException("a group record key of no known type");
        }
    }

    private static String validGroupId(String groupId) {
        if (groupId.isEmpty() || groupId.length() > MAX_GROUP_ID_LENGTH) {
            throw new GroupException(ErrorCode.INVALID_GROUP_ID, "a group id must be 1-" + MAX_GROUP_ID_LENGTH
                    + " characters, got " + groupId.length());
        }
        return Objects.requireNonNull(groupId);
    }
}
