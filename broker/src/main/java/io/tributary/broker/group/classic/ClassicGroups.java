package io.tributary.broker.group.classic;

import com.google.protobuf.ByteString;
import io.tributary.broker.group.GroupRecord;
import io.tributary.proto.group.v1.ClassicGroupKey;
import io.tributary.proto.group.v1.ClassicGroupValue;
import io.tributary.proto.group.v1.ClassicMemberValue;
import io.tributary.proto.group.v1.GroupRecordKey;
import io.tributary.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The groups of Kafka's classic protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) of one
 * offsets-topic partition: a pure state machine, time given as {@code nowMs}.
 *
 * <p>A rebalance: a member joining (or one leaving, or one whose session ran out) moves the group to
 * PreparingRebalance; every member must join again, and its JoinGroup is parked until all have (or
 * the longest rebalance timeout passed, when those that did not are removed). Then the generation
 * goes up, the protocol every member supports with the most first choices is chosen, and the
 * parked joins are answered, the leader's with every member's metadata. The group is
 * CompletingRebalance until the leader's SyncGroup brings the assignment; the other members'
 * SyncGroups are parked until then, and answered with their part. Then Stable.
 *
 * <p>Unlike the consumer protocol's state, which is written record by record, a classic group is
 * written whole (a {@code ClassicGroupValue}) when it has just become Stable or Empty, and
 * {@link #replay} reads it back only when a coordinator loads the partition: a new coordinator
 * keeps the generation, the members and their assignments, and a rebalance in progress there is
 * started again by the members (their JoinGroup or SyncGroup is refused, and they join again).
 */
public final class ClassicGroups {
    private static final byte[] NO_ASSIGNMENT = new byte[0];

    private final ClassicGroupConfig config;
    private final Supplier<String> uniqueIds;
    private final Map<String, ClassicGroup> groups = new TreeMap<>();

    /**
     * @param uniqueIds what makes a new member id unique after its client id (random UUIDs; tests count)
     */
    public ClassicGroups(ClassicGroupConfig config, Supplier<String> uniqueIds) {
        this.config = config;
        this.uniqueIds = uniqueIds;
    }

    public Optional<ClassicGroup> group(String groupId) {
        return Optional.ofNullable(groups.get(groupId));
    }

    public Collection<ClassicGroup> groups() {
        return List.copyOf(groups.values());
    }

    /** The group as DescribeGroups shows it, empty when it is no classic group. */
    public Optional<ClassicGroupDescription> describe(String groupId) {
        return group(groupId).map(ClassicGroupDescription::of);
    }

    public boolean hasMembers(String groupId) {
        ClassicGroup group = groups.get(groupId);
        return group != null && (group.hasMembers() || !group.pendingMembers.isEmpty());
    }

    /** One request's or timer's effects, collected as they happen. */
    private static final class Step {
        final List<GroupRecord> records = new ArrayList<>();
        final Map<Long, ClassicJoin.Result> joins = new LinkedHashMap<>();
        final Map<Long, ClassicSync.Result> syncs = new LinkedHashMap<>();
        final List<String> removed = new ArrayList<>();

        <T> ClassicOutcome<T> outcome(T response) {
            return new ClassicOutcome<>(response, records, joins, syncs, removed);
        }
    }

    // ---------------------------------------------------------------- JoinGroup

    /** A JoinGroup, parked under {@code token} when it must wait for the rest of the group (response null). */
    public ClassicOutcome<ClassicJoin.Result> join(ClassicJoin.Request request, long token, long nowMs) {
        Step step = new Step();
        return step.outcome(join(request, token, nowMs, step));
    }

    private ClassicJoin.Result join(ClassicJoin.Request request, long token, long nowMs, Step step) {
        if (request.sessionTimeoutMs() < config.minSessionTimeoutMs()
                || request.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return ClassicJoin.Result.error(ErrorCode.INVALID_SESSION_TIMEOUT, "session timeout "
                    + request.sessionTimeoutMs() + " ms is outside group.min.session.timeout.ms "
                    + config.minSessionTimeoutMs() + " .. group.max.session.timeout.ms " + config.maxSessionTimeoutMs(),
                    request.memberId());
        }
        if (request.protocolType().isEmpty() || request.protocols().isEmpty()) {
            return ClassicJoin.Result.error(ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
                    "a join must name a protocol type and at least one protocol", request.memberId());
        }
        ClassicGroup group = groups.get(request.groupId());
        if (group == null) {
            if (!request.memberId().isEmpty()) {
                return ClassicJoin.Result.error(ErrorCode.UNKNOWN_MEMBER_ID, "group " + request.groupId()
                        + " has no member " + request.memberId(), request.memberId());
            }
            group = new ClassicGroup(request.groupId());
            groups.put(group.groupId(), group);
        }
        if (!supportsProtocols(group, request)) {
            return ClassicJoin.Result.error(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, "group " + group.groupId()
                    + " uses protocol type " + group.protocolType + " and protocols its members all support,"
                    + " which this member's do not match", request.memberId());
        }
        if (request.memberId().isEmpty()) {
            return joinWithoutId(group, request, token, nowMs, step);
        }
        if (group.pendingMembers.remove(request.memberId()) != null) {
            addMember(group, request.memberId(), request, token, nowMs, step);
            return null;
        }
        ClassicMember member = group.members.get(request.memberId());
        if (member == null) {
            return ClassicJoin.Result.error(ErrorCode.UNKNOWN_MEMBER_ID, "group " + group.groupId() + " has no member "
                    + request.memberId(), request.memberId());
        }
        if (!member.instanceId().equals(request.instanceId())) {
            return ClassicJoin.Result.error(ErrorCode.FENCED_INSTANCE_ID, "member " + member.memberId()
                    + " has instance id '" + member.instanceId() + "'", request.memberId());
        }
        boolean unchanged = member.sameProtocols(request.protocols());
        member.update(request);
        switch (group.state) {
            case COMPLETING_REBALANCE -> {
                if (unchanged) {
                    return joinResult(group, member); // the answer it missed: the same generation again
                }
            }
            case STABLE -> {
                if (unchanged && !member.memberId().equals(group.leaderId)) {
                    member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs();
                    return joinResult(group, member);
                }
            }
            default -> {
            }
        }
        // a changed subscription, or the leader asking to assign again: everyone joins again
        prepareRebalance(group, nowMs, step);
        park(member, token, step);
        maybeCompleteJoin(group, nowMs, step);
        return null;
    }

    private ClassicJoin.Result joinWithoutId(ClassicGroup group, ClassicJoin.Request request, long token, long nowMs,
                                             Step step) {
        boolean isStatic = !request.instanceId().isEmpty();
        Optional<ClassicMember> previous = isStatic ? group.memberWithInstance(request.instanceId()) : Optional.empty();
        if (previous.isEmpty() && group.members.size() + group.pendingMembers.size() >= config.maxSize()) {
            return ClassicJoin.Result.error(ErrorCode.GROUP_MAX_SIZE_REACHED, "group " + group.groupId() + " has "
                    + config.maxSize() + " members (group.max.size)", "");
        }
        String memberId = (request.clientId().isEmpty() ? "member" : request.clientId()) + "-" + uniqueIds.get();
        if (previous.isPresent()) {
            // a static member back under a new id: the old id is fenced, its partitions stay its own
            ClassicMember old = previous.get();
            group.members.remove(old.memberId());
            answerParked(old, ErrorCode.FENCED_INSTANCE_ID, "instance " + old.instanceId() + " joined again", step);
            ClassicMember renamed = old.renamed(memberId);
            renamed.update(request);
            group.members.put(memberId, renamed);
            if (group.leaderId.equals(old.memberId())) {
                group.leaderId = memberId;
            }
            prepareRebalance(group, nowMs, step);
            park(renamed, token, step);
            maybeCompleteJoin(group, nowMs, step);
            return null;
        }
        if (request.requireKnownMemberId() && !isStatic) {
            group.pendingMembers.put(memberId, nowMs + request.sessionTimeoutMs());
            return ClassicJoin.Result.error(ErrorCode.MEMBER_ID_REQUIRED, "join again with member id " + memberId,
                    memberId);
        }
        addMember(group, memberId, request, token, nowMs, step);
        return null;
    }

    private boolean supportsProtocols(ClassicGroup group, ClassicJoin.Request request) {
        if (!group.hasMembers()) {
            return true; // an empty group takes the protocol type of its first member (pending ones are checked when they join)
        }
        if (!group.protocolType.equals(request.protocolType())) {
            return false;
        }
        return request.protocols().stream().anyMatch(p -> group.members.values().stream()
                .filter(m -> !m.memberId().equals(request.memberId())).allMatch(m -> m.supports(p.name())));
    }

    private void addMember(ClassicGroup group, String memberId, ClassicJoin.Request request, long token, long nowMs,
                           Step step) {
        ClassicMember member = new ClassicMember(memberId, request.instanceId(), request.clientId(),
                request.clientHost(), request.sessionTimeoutMs(), request.rebalanceTimeoutMs(), request.protocols());
        if (!group.hasMembers()) {
            group.protocolType = request.protocolType();
        }
        group.members.put(memberId, member);
        if (group.leaderId.isEmpty()) {
            group.leaderId = memberId;
        }
        prepareRebalance(group, nowMs, step);
        park(member, token, step);
        maybeCompleteJoin(group, nowMs, step);
    }

    private static void park(ClassicMember member, long token, Step step) {
        if (member.joinToken != null && member.joinToken != token) {
            step.joins.put(member.joinToken, ClassicJoin.Result.error(ErrorCode.REBALANCE_IN_PROGRESS,
                    "a newer JoinGroup of the same member replaced this one", member.memberId()));
        }
        member.joinToken = token;
        member.sessionDeadlineMs = Long.MAX_VALUE; // while it waits, the rebalance timeout bounds it
    }

    private void prepareRebalance(ClassicGroup group, long nowMs, Step step) {
        if (group.state == ClassicGroup.State.PREPARING_REBALANCE) {
            return;
        }
        if (group.state == ClassicGroup.State.COMPLETING_REBALANCE) {
            for (ClassicMember member : group.members.values()) {
                if (member.syncToken != null) {
                    step.syncs.put(member.syncToken, ClassicSync.Result.error(ErrorCode.REBALANCE_IN_PROGRESS,
                            "the group is rebalancing again: join again"));
                    member.syncToken = null;
                }
            }
        }
        boolean first = group.state == ClassicGroup.State.EMPTY;
        group.state = ClassicGroup.State.PREPARING_REBALANCE;
        group.rebalanceDeadlineMs = nowMs + Math.max(group.maxRebalanceTimeoutMs(),
                first ? config.initialRebalanceDelayMs() : 0);
        group.joinNotBeforeMs = first ? nowMs + config.initialRebalanceDelayMs() : nowMs;
        group.syncDeadlineMs = Long.MAX_VALUE;
        group.members.values().forEach(m -> m.synced = false);
    }

    private void maybeCompleteJoin(ClassicGroup group, long nowMs, Step step) {
        if (group.state == ClassicGroup.State.PREPARING_REBALANCE
                && (group.allJoined() && nowMs >= group.joinNotBeforeMs || nowMs >= group.rebalanceDeadlineMs)) {
            completeJoin(group, nowMs, step);
        }
    }

    private void completeJoin(ClassicGroup group, long nowMs, Step step) {
        for (ClassicMember member : List.copyOf(group.members.values())) {
            if (member.joinToken == null) {
                remove(group, member, "it did not join the rebalance within its rebalance timeout", step);
            }
        }
        group.pendingMembers.clear();
        group.generation++;
        group.rebalanceDeadlineMs = Long.MAX_VALUE;
        if (!group.hasMembers()) {
            group.state = ClassicGroup.State.EMPTY;
            group.protocolName = "";
            group.leaderId = "";
            step.records.add(record(group));
            return;
        }
        group.protocolName = chooseProtocol(group);
        if (!group.members.containsKey(group.leaderId)) {
            group.leaderId = group.members.keySet().iterator().next();
        }
        group.state = ClassicGroup.State.COMPLETING_REBALANCE;
        group.syncDeadlineMs = nowMs + group.maxRebalanceTimeoutMs();
        for (ClassicMember member : group.members.values()) {
            member.setAssignment(NO_ASSIGNMENT);
            member.synced = false;
            member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs();
            step.joins.put(member.joinToken, joinResult(group, member));
            member.joinToken = null;
        }
    }

    /** The protocol every member supports that most members list first (ties: the earliest offered). */
    private static String chooseProtocol(ClassicGroup group) {
        List<ClassicMember> members = List.copyOf(group.members.values());
        List<String> candidates = members.get(0).protocols().stream().map(ClassicProtocol::name)
                .filter(name -> members.stream().allMatch(m -> m.supports(name))).toList();
        Map<String, Integer> votes = new LinkedHashMap<>();
        candidates.forEach(c -> votes.put(c, 0));
        for (ClassicMember member : members) {
            member.protocols().stream().map(ClassicProtocol::name).filter(votes::containsKey).findFirst()
                    .ifPresent(choice -> votes.merge(choice, 1, Integer::sum));
        }
        String best = candidates.get(0);
        for (String candidate : candidates) {
            if (votes.get(candidate) > votes.get(best)) {
                best = candidate;
            }
        }
        return best;
    }

    private static ClassicJoin.Result joinResult(ClassicGroup group, ClassicMember member) {
        List<ClassicJoin.Member> members = new ArrayList<>();
        if (member.memberId().equals(group.leaderId)) {
            for (ClassicMember m : group.members.values()) {
                members.add(new ClassicJoin.Member(m.memberId(), m.instanceId(),
                        m.metadataFor(group.protocolName).orElse(NO_ASSIGNMENT)));
            }
        }
        return new ClassicJoin.Result(ErrorCode.NONE, "", group.generation, group.protocolType, group.protocolName,
                group.leaderId, member.memberId(), members);
    }

    // ---------------------------------------------------------------- SyncGroup

    /** A SyncGroup, parked under {@code token} until the leader's brings the assignment (response null). */
    public ClassicOutcome<ClassicSync.Result> sync(ClassicSync.Request request, long token, long nowMs) {
        Step step = new Step();
        return step.outcome(sync(request, token, nowMs, step));
    }

    private ClassicSync.Result sync(ClassicSync.Request request, long token, long nowMs, Step step) {
        ClassicGroup group = groups.get(request.groupId());
        ClassicMember member = group == null ? null : group.members.get(request.memberId());
        ErrorCode refused = checkMember(group, member, request.groupId(), request.memberId(), request.instanceId(),
                request.generation());
        if (refused != ErrorCode.NONE) {
            return ClassicSync.Result.error(refused, refusal(refused, request.groupId(), request.memberId(),
                    request.generation(), group));
        }
        if (!request.protocolType().isEmpty() && !request.protocolType().equals(group.protocolType)
                || !request.protocolName().isEmpty() && !request.protocolName().equals(group.protocolName)) {
            return ClassicSync.Result.error(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, "group " + group.groupId()
                    + " uses " + group.protocolType + "/" + group.protocolName);
        }
        switch (group.state) {
            case PREPARING_REBALANCE -> {
                return ClassicSync.Result.error(ErrorCode.REBALANCE_IN_PROGRESS, "group " + group.groupId()
                        + " is rebalancing: join again");
            }
            case STABLE -> {
                member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs();
                return syncResult(group, member);
            }
            case COMPLETING_REBALANCE -> {
                member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs();
                if (member.syncToken != null && member.syncToken != token) {
                    step.syncs.put(member.syncToken, ClassicSync.Result.error(ErrorCode.REBALANCE_IN_PROGRESS,
                            "a newer SyncGroup of the same member replaced this one"));
                }
                member.syncToken = token;
                member.synced = true;
                if (member.memberId().equals(group.leaderId)) {
                    for (ClassicMember m : group.members.values()) {
                        m.setAssignment(request.assignments().getOrDefault(m.memberId(), NO_ASSIGNMENT));
                    }
                    group.state = ClassicGroup.State.STABLE;
                    group.syncDeadlineMs = Long.MAX_VALUE;
                    step.records.add(record(group));
                    for (ClassicMember m : group.members.values()) {
                        if (m.syncToken != null) {
                            step.syncs.put(m.syncToken, syncResult(group, m));
                            m.syncToken = null;
                        }
                    }
                }
                return null;
            }
            default -> throw new IllegalStateException("an empty group has no member " + request.memberId());
        }
    }

    private static ClassicSync.Result syncResult(ClassicGroup group, ClassicMember member) {
        return new ClassicSync.Result(ErrorCode.NONE, "", group.protocolType, group.protocolName, member.assignment());
    }

    /** NONE when the member belongs to the group at that generation, else why not. */
    private static ErrorCode checkMember(ClassicGroup group, ClassicMember member, String groupId, String memberId,
                                         String instanceId, int generation) {
        if (member == null) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        if (!instanceId.isEmpty() && !instanceId.equals(member.instanceId())) {
            return ErrorCode.FENCED_INSTANCE_ID;
        }
        return generation == group.generation ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    }

    private static String refusal(ErrorCode code, String groupId, String memberId, int generation, ClassicGroup group) {
        return switch (code) {
            case UNKNOWN_MEMBER_ID -> "group " + groupId + " has no member " + memberId + ": join again";
            case FENCED_INSTANCE_ID -> "member " + memberId + " of group " + groupId
                    + " was replaced by a newer member with its instance id";
            case ILLEGAL_GENERATION -> "generation " + generation + " is not group " + groupId + "'s generation "
                    + group.generation + ": join again";
            default -> code.name();
        };
    }

    // ---------------------------------------------------------------- Heartbeat, LeaveGroup

    /** A Heartbeat: keeps the member's session, and tells it when the group is rebalancing. */
    public ErrorCode heartbeat(String groupId, String memberId, String instanceId, int generation, long nowMs) {
        ClassicGroup group = groups.get(groupId);
        ClassicMember member = group == null ? null : group.members.get(memberId);
        ErrorCode refused = checkMember(group, member, groupId, memberId, instanceId, generation);
        if (refused != ErrorCode.NONE) {
            return refused;
        }
        if (member.joinToken == null) {
            member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs();
        }
        return group.state == ClassicGroup.State.PREPARING_REBALANCE ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
    }

    /** The same refusal as a Heartbeat's, with its message. */
    public String heartbeatRefusal(ErrorCode code, String groupId, String memberId, int generation) {
        return refusal(code, groupId, memberId, generation, groups.get(groupId));
    }

    /** A LeaveGroup: each member named leaves (static members by instance id when their id is not given). */
    public ClassicOutcome<List<ClassicLeave.MemberResult>> leave(String groupId, List<ClassicLeave.Member> leaving,
                                                                 long nowMs) {
        Step step = new Step();
        ClassicGroup group = groups.get(groupId);
        List<ClassicLeave.MemberResult> results = new ArrayList<>();
        boolean removedAny = false;
        for (ClassicLeave.Member m : leaving) {
            ErrorCode result = ErrorCode.UNKNOWN_MEMBER_ID;
            if (group != null) {
                ClassicMember member = m.memberId().isEmpty() && !m.instanceId().isEmpty()
                        ? group.memberWithInstance(m.instanceId()).orElse(null) : group.members.get(m.memberId());
                if (member == null && group.pendingMembers.remove(m.memberId()) != null) {
                    result = ErrorCode.NONE;
                } else if (member != null && !m.instanceId().isEmpty() && !m.instanceId().equals(member.instanceId())) {
                    result = ErrorCode.FENCED_INSTANCE_ID;
                } else if (member != null) {
                    remove(group, member, "it left the group", step);
                    removedAny = true;
                    result = ErrorCode.NONE;
                }
            }
            results.add(new ClassicLeave.MemberResult(m.memberId(), m.instanceId(), result));
        }
        if (removedAny) {
            onMembersRemoved(group, nowMs, step);
        } else if (group != null) {
            maybeCompleteJoin(group, nowMs, step); // a pending member's leave may be the last one awaited
        }
        return step.outcome(results);
    }

    private static void remove(ClassicGroup group, ClassicMember member, String why, Step step) {
        group.members.remove(member.memberId());
        answerParked(member, ErrorCode.UNKNOWN_MEMBER_ID, "member " + member.memberId() + " was removed: " + why, step);
        step.removed.add(group.groupId() + "/" + member.memberId() + " (" + why + ")");
        if (group.leaderId.equals(member.memberId())) {
            group.leaderId = group.members.isEmpty() ? "" : group.members.keySet().iterator().next();
        }
    }

    private static void answerParked(ClassicMember member, ErrorCode code, String message, Step step) {
        if (member.joinToken != null) {
            step.joins.put(member.joinToken, ClassicJoin.Result.error(code, message, member.memberId()));
            member.joinToken = null;
        }
        if (member.syncToken != null) {
            step.syncs.put(member.syncToken, ClassicSync.Result.error(code, message));
            member.syncToken = null;
        }
    }

    private void onMembersRemoved(ClassicGroup group, long nowMs, Step step) {
        if (group.state == ClassicGroup.State.STABLE || group.state == ClassicGroup.State.COMPLETING_REBALANCE) {
            prepareRebalance(group, nowMs, step);
        }
        maybeCompleteJoin(group, nowMs, step);
    }

    // ---------------------------------------------------------------- commits

    /**
     * Whether a commit to {@code groupId} by this member at this generation is accepted, as Kafka's
     * classic groups decide: a client outside the group (generation -1, no member id) only while it
     * has no members; a member at the group's generation, not while the assignment is being handed
     * out. Empty when the group is no classic group. An accepted commit keeps the member's session.
     */
    public Optional<ErrorCode> checkCommit(String groupId, String memberId, String instanceId, int generation,
                                           long nowMs) {
        ClassicGroup group = groups.get(groupId);
        if (group == null) {
            return Optional.empty();
        }
        if (generation < 0 && memberId.isEmpty() && !group.hasMembers()) {
            return Optional.of(ErrorCode.NONE);
        }
        ClassicMember member = group.members.get(memberId);
        ErrorCode refused = checkMember(group, member, groupId, memberId, instanceId, generation);
        if (refused != ErrorCode.NONE) {
            return Optional.of(refused);
        }
        if (group.state == ClassicGroup.State.COMPLETING_REBALANCE) {
            return Optional.of(ErrorCode.REBALANCE_IN_PROGRESS);
        }
        if (member.joinToken == null) {
            member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs();
        }
        return Optional.of(ErrorCode.NONE);
    }

    // ---------------------------------------------------------------- timers

    /** Removes members whose session, join or sync ran out, and completes joins whose wait is over. */
    public ClassicOutcome<Void> expire(long nowMs) {
        Step step = new Step();
        for (ClassicGroup group : List.copyOf(groups.values())) {
            group.pendingMembers.values().removeIf(deadline -> deadline <= nowMs);
            boolean removed = false;
            for (ClassicMember member : List.copyOf(group.members.values())) {
                if (member.joinToken == null && member.sessionDeadlineMs <= nowMs) {
                    remove(group, member, "its session timed out", step);
                    removed = true;
                } else if (group.state == ClassicGroup.State.COMPLETING_REBALANCE && !member.synced
                        && group.syncDeadlineMs <= nowMs) {
                    remove(group, member, "it did not sync within the rebalance timeout", step);
                    removed = true;
                }
            }
            if (removed) {
                onMembersRemoved(group, nowMs, step);
            } else {
                maybeCompleteJoin(group, nowMs, step);
            }
            if (group.state == ClassicGroup.State.EMPTY && group.generation == 0 && group.pendingMembers.isEmpty()) {
                groups.remove(group.groupId()); // first joins that never came back: nothing was written of it
            }
        }
        return step.outcome(null);
    }

    /** The earliest time {@link #expire} has something to do, Long.MAX_VALUE when never. */
    public long nextDeadlineMs() {
        long next = Long.MAX_VALUE;
        for (ClassicGroup group : groups.values()) {
            for (long deadline : group.pendingMembers.values()) {
                next = Math.min(next, deadline);
            }
            for (ClassicMember member : group.members.values()) {
                if (member.joinToken == null) {
                    next = Math.min(next, member.sessionDeadlineMs);
                }
            }
            switch (group.state) {
                case PREPARING_REBALANCE -> next = Math.min(next, Math.min(group.rebalanceDeadlineMs,
                        group.allJoined() ? group.joinNotBeforeMs : Long.MAX_VALUE));
                case COMPLETING_REBALANCE -> next = Math.min(next, group.syncDeadlineMs);
                default -> {
                }
            }
        }
        return next;
    }

    /** Gives every member of a just loaded partition a whole session from now. */
    public void startTimers(long nowMs) {
        groups.values().forEach(g -> g.members.values().forEach(m -> m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs()));
    }

    // ---------------------------------------------------------------- records

    /** The tombstone that ends a group's classic state (the group was deleted). */
    public Optional<GroupRecord> delete(String groupId) {
        return groups.remove(groupId) == null ? Optional.empty() : Optional.of(new GroupRecord(key(groupId), null));
    }

    private static GroupRecordKey key(String groupId) {
        return GroupRecordKey.newBuilder().setClassicGroup(ClassicGroupKey.newBuilder().setGroupId(groupId)).build();
    }

    private static GroupRecord record(ClassicGroup group) {
        ClassicGroupValue.Builder value = ClassicGroupValue.newBuilder().setProtocolType(group.protocolType)
                .setGeneration(group.generation).setProtocolName(group.protocolName).setLeaderId(group.leaderId);
        for (ClassicMember m : group.members.values()) {
            value.addMembers(ClassicMemberValue.newBuilder().setMemberId(m.memberId()).setInstanceId(m.instanceId())
                    .setClientId(m.clientId()).setClientHost(m.clientHost()).setSessionTimeoutMs(m.sessionTimeoutMs())
                    .setRebalanceTimeoutMs(m.rebalanceTimeoutMs())
                    .setMetadata(ByteString.copyFrom(m.metadataFor(group.protocolName).orElse(NO_ASSIGNMENT)))
                    .setAssignment(ByteString.copyFrom(m.assignment())));
        }
        return new GroupRecord(key(group.groupId()), value.build());
    }

    /** Loads a group's record (only while a coordinator loads its partition: live changes are already applied). */
    public void replay(String groupId, ClassicGroupValue value) {
        if (value == null) {
            groups.remove(groupId);
            return;
        }
        ClassicGroup group = new ClassicGroup(groupId);
        group.generation = value.getGeneration();
        group.protocolType = value.getProtocolType();
        group.protocolName = value.getProtocolName();
        group.leaderId = value.getLeaderId();
        for (ClassicMemberValue m : value.getMembersList()) {
            ClassicMember member = new ClassicMember(m.getMemberId(), m.getInstanceId(), m.getClientId(),
                    m.getClientHost(), m.getSessionTimeoutMs(), m.getRebalanceTimeoutMs(),
                    List.of(new ClassicProtocol(value.getProtocolName(), m.getMetadata().toByteArray())));
            member.setAssignment(m.getAssignment().toByteArray());
            member.synced = true;
            group.members.put(member.memberId(), member);
        }
        group.state = group.hasMembers() ? ClassicGroup.State.STABLE : ClassicGroup.State.EMPTY;
        groups.put(groupId, group);
    }
}
