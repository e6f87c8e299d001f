package io.tributary.broker.group.sim;

import io.tributary.broker.group.classic.ClassicGroupConfig;
import io.tributary.broker.group.CompactedLogs;
import io.tributary.broker.group.ConsumerGroup;
import io.tributary.broker.group.CoordinatorResult;
import io.tributary.broker.group.FakeTopics;
import io.tributary.broker.group.GroupConfig;
import io.tributary.broker.group.GroupCoordinatorState;
import io.tributary.broker.group.GroupRecord;
import io.tributary.broker.group.assignor.Assignors;
import io.tributary.client.internal.GroupMembership;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.group.v1.GroupRecordKey;
import io.tributary.proto.group.v1.OffsetCommitValue;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ConsumerGroupHeartbeatResponse;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.OffsetCommitPartition;
import io.tributary.proto.v1.OffsetCommitRequest;
import io.tributary.proto.v1.OffsetCommitResponse;
import io.tributary.proto.v1.OffsetCommitTopic;
import io.tributary.proto.v1.OffsetFetchRequest;
import io.tributary.proto.v1.OffsetFetchResponse;
import io.tributary.proto.v1.TopicPartitions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A seeded simulation of one consumer group: the coordinator's production state machine
 * ({@link GroupCoordinatorState}) and members running the client's production protocol logic
 * ({@link GroupMembership}), with a fake clock. Members join, leave, crash, pause past their session
 * and restart (static members under the same instance id); heartbeat answers get lost; topics grow;
 * the coordinator fails over, dropping what it had not committed and loading the rest from its log
 * (compacted or not).
 *
 * <p>The coordinator's runtime is modelled as it works: a request's records are applied at once,
 * committed later in order, and its answer is delivered only once they are (or never, if the
 * coordinator fails over first); reads are answered after everything written before them.
 *
 * <p>Checked at every step: no partition may be delivered by two members at once (a paused member
 * whose lease still holds counts, as it would deliver the moment it wakes); committed offsets never
 * move backwards; no offset is committed past a record nobody delivered. At the end, after a quiet
 * spell: every partition is owned by exactly one live member and the group is stable.
 */
final class GroupSimulation {
    static final int SESSION_TIMEOUT_MS = 3_000;
    static final int HEARTBEAT_INTERVAL_MS = 500;
    static final int REBALANCE_TIMEOUT_MS = 4_000;
    static final int REQUEST_TIMEOUT_MS = 1_500;
    static final int AUTO_COMMIT_INTERVAL_MS = 700;
    static final int TICK_MS = 50;
    static final String GROUP = "g";

    private final Random random;
    private final FakeTopics topics = new FakeTopics().with("a", 6).with("b", 3);
    /** Classic members' ids: counted, unique across every coordinator of the test. */
    private final java.util.concurrent.atomic.AtomicInteger classicIds = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.function.Supplier<String> memberIds = () -> "m" + classicIds.incrementAndGet();
    private final GroupConfig config = new GroupConfig(SESSION_TIMEOUT_MS, HEARTBEAT_INTERVAL_MS, 50, 256, 3_600_000L,
            ClassicGroupConfig.DEFAULTS);
    final List<String> trace = new ArrayList<>();
    private final List<SimMember> members = new ArrayList<>();
    private final List<GroupRecord> log = new ArrayList<>();
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final Map<TopicPartition, BitSet> delivered = new HashMap<>();
    private GroupCoordinatorState coordinator;
    private long now;
    private int nextMemberId;
    private int coordinatorGeneration;
    int failovers;
    int joins;
    int commits;
    long deliveries;

    /** Records applied by the coordinator and not yet committed, and the answer waiting on them. */
    private record Pending(int generation, List<GroupRecord> records, Runnable deliver) {
    }

    /** A consumer process: the production membership logic plus what the consumer does around it. */
    private final class SimMember {
        final String instanceId;
        GroupMembership membership;
        boolean crashed;
        boolean leaving;
        long pausedUntil;
        long retryJoinAt;
        long lastAutoCommit;
        /** The request waiting for an answer: its deadline, and a token that late answers fail to match. */
        long requestDeadline = Long.MAX_VALUE;
        Object requestToken;
        final Map<TopicPartition, Long> positions = new TreeMap<>();
        final Set<TopicPartition> awaitingOffsets = new TreeSet<>();
        final Set<TopicPartition> toRevoke = new TreeSet<>();
        boolean revocationCommitSent;
        boolean commitInFlight;

        SimMember(String instanceId) {
            this.instanceId = instanceId;
            newMembership();
        }

        void newMembership() {
            membership = new GroupMembership(GROUP, "m" + nextMemberId++, instanceId, REBALANCE_TIMEOUT_MS, "", 200);
            membership.subscribe(List.of("a", "b"));
            positions.clear();
            awaitingOffsets.clear();
            toRevoke.clear();
            revocationCommitSent = false;
        }

        boolean alive() {
            return !crashed && !membership.hasLeft();
        }

        String name() {
            return membership.memberId() + (instanceId == null ? "" : "(" + instanceId + ")");
        }
    }

    GroupSimulation(long seed) {
        this.random = new Random(seed);
        this.coordinator = newCoordinator();
    }

    private GroupCoordinatorState newCoordinator() {
        return new GroupCoordinatorState(config, Assignors.standard(), topics, memberIds);
    }

    void run() {
        long faultsEndAt = 60_000;
        long endAt = faultsEndAt + 8 * SESSION_TIMEOUT_MS + 2 * REBALANCE_TIMEOUT_MS;
        addMember();
        addMember();
        while (now < endAt) {
            boolean faults = now < faultsEndAt;
            if (faults) {
                injectFaults();
            } else {
                members.forEach(m -> m.pausedUntil = Math.min(m.pausedUntil, now));
                if (members.stream().noneMatch(SimMember::alive)) {
                    addMember();
                }
            }
            for (SimMember member : List.copyOf(members)) {
                step(member, faults);
            }
            commitPending(faults);
            expire();
            checkSingleOwners();
            now += TICK_MS;
        }
        checkSettled();
    }

    // ---------------------------------------------------------------- faults

    private void injectFaults() {
        long live = members.stream().filter(SimMember::alive).count();
        if (live < 6 && random.nextInt(100) == 0) {
            addMember();
        }
        if (random.nextInt(250) == 0) {
            pick().ifPresent(m -> {
                trace("leave " + m.name());
                m.leaving = true;
            });
        }
        if (random.nextInt(300) == 0) {
            pick().ifPresent(m -> {
                trace("crash " + m.name());
                m.crashed = true;
                if (m.instanceId != null && random.nextBoolean()) {
                    SimMember restarted = new SimMember(m.instanceId);
                    restarted.retryJoinAt = now + random.nextInt(2 * SESSION_TIMEOUT_MS);
                    members.add(restarted);
                    trace("restart " + m.instanceId + " as " + restarted.name());
                }
            });
        }
        if (random.nextInt(250) == 0) {
            pick().ifPresent(m -> {
                m.pausedUntil = now + random.nextInt(2 * SESSION_TIMEOUT_MS);
                trace("pause " + m.name() + " until " + m.pausedUntil);
            });
        }
        if (random.nextInt(500) == 0) {
            failover();
        }
        if (random.nextInt(1000) == 0) {
            topics.with("b", topics.partitionCount("b") + 2);
            trace("topic b grows to " + topics.partitionCount("b"));
        }
    }

    private java.util.Optional<SimMember> pick() {
        List<SimMember> live = members.stream().filter(SimMember::alive).filter(m -> !m.leaving).toList();
        return live.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(live.get(random.nextInt(live.size())));
    }

    private void addMember() {
        SimMember member = new SimMember(random.nextInt(3) == 0 ? "inst-" + nextMemberId : null);
        members.add(member);
        joins++;
        trace("add " + member.name());
    }

    /** The coordinator moves: what it had not committed is gone, the rest is loaded from its log. */
    private void failover() {
        failovers++;
        coordinatorGeneration++;
        pending.clear();
        coordinator = newCoordinator();
        List<GroupRecord> loaded = random.nextBoolean() ? CompactedLogs.compact(log) : log;
        loaded.forEach(coordinator::replay);
        coordinator.startTimers(now);
        trace("failover (" + loaded.size() + " records)");
    }

    // ---------------------------------------------------------------- the coordinator's runtime

    /** Applies a request now; its answer arrives once its records (and all before them) are committed. */
    private <T> void submit(CoordinatorResult<T> result, Consumer<T> onAnswer) {
        int generation = coordinatorGeneration;
        pending.addLast(new Pending(generation, result.records(), () -> onAnswer.accept(result.response())));
    }

    private void commitPending(boolean faults) {
        while (!pending.isEmpty() && (!faults || random.nextInt(4) != 0)) {
            Pending next = pending.removeFirst();
            for (GroupRecord record : next.records()) {
                checkCommittedOffset(record);
                log.add(record);
            }
            if (!faults || random.nextInt(50) != 0) {
                next.deliver().run();
            } else {
                trace("answer lost");
            }
        }
    }

    private void expire() {
        CoordinatorResult<List<String>> result = coordinator.expireMembers(now);
        if (!result.response().isEmpty()) {
            trace("expired " + result.response());
        }
        submit(result, expired -> { });
    }

    // ---------------------------------------------------------------- members

    private void step(SimMember m, boolean faults) {
        if (!m.alive() || now < m.pausedUntil || now < m.retryJoinAt) {
            return;
        }
        if (now >= m.requestDeadline) {
            m.requestToken = null;
            m.requestDeadline = Long.MAX_VALUE;
            m.commitInFlight = false;
            m.membership.onNoResponse(now);
            if (m.revocationCommitSent) {
                m.revocationCommitSent = false; // commit again
            }
        }
        Set<TopicPartition> lost = m.membership.expireLease(now);
        if (!lost.isEmpty()) {
            trace(m.name() + " lease ran out, lost " + lost);
            drop(m, lost);
        }
        if (m.leaving && m.toRevoke.isEmpty() && !m.commitInFlight && m.requestToken == null) {
            if (!m.positions.isEmpty()) {
                commit(m, new TreeSet<>(m.positions.keySet()), true);
                return;
            }
            drop(m, m.membership.leave());
            m.leaving = false;
        }
        if (!m.toRevoke.isEmpty()) {
            if (!m.revocationCommitSent && m.requestToken == null) {
                m.revocationCommitSent = true;
                commit(m, m.toRevoke, true);
            }
            return;
        }
        deliver(m);
        if (m.requestToken == null && m.membership.isMember() && now - m.lastAutoCommit >= AUTO_COMMIT_INTERVAL_MS
                && !m.positions.isEmpty()) {
            m.lastAutoCommit = now;
            commit(m, new TreeSet<>(m.positions.keySet()), false);
        }
        if (m.requestToken == null) {
            ConsumerGroupHeartbeatRequest request = m.membership.heartbeatToSend(now);
            if (request != null) {
                sendHeartbeat(m, request);
            }
        }
    }

    private void sendHeartbeat(SimMember m, ConsumerGroupHeartbeatRequest request) {
        Object token = new Object();
        m.requestToken = token;
        m.requestDeadline = now + REQUEST_TIMEOUT_MS;
        CoordinatorResult<ConsumerGroupHeartbeatResponse> result = coordinator.heartbeat(request, "sim", now);
        submit(result, response -> {
            if (m.requestToken != token) {
                return; // timed out: the member already gave up on it
            }
            m.requestToken = null;
            m.requestDeadline = Long.MAX_VALUE;
            GroupMembership.Change change;
            try {
                change = m.membership.onResponse(response, now);
            } catch (GroupMembership.FatalGroupError e) {
                trace(m.name() + " refused: " + e.code());
                if (e.code() != ErrorCode.UNRELEASED_INSTANCE_ID) {
                    throw new AssertionError("unexpected refusal at " + now + ": " + e.getMessage());
                }
                m.newMembership(); // the instance id is still held: try again later, as an application would
                m.retryJoinAt = now + SESSION_TIMEOUT_MS / 2;
                return;
            }
            if (!change.isEmpty()) {
                trace(m.name() + " epoch " + response.getMemberEpoch() + " +" + change.assigned() + " -"
                        + change.revoked() + " lost" + change.lost());
            }
            drop(m, change.lost());
            for (TopicPartition tp : change.revoked()) {
                if (m.positions.containsKey(tp)) {
                    m.toRevoke.add(tp);
                }
                m.awaitingOffsets.remove(tp);
            }
            if (m.toRevoke.isEmpty() && !change.revoked().isEmpty()) {
                m.membership.revocationDone();
            }
            if (!change.assigned().isEmpty()) {
                fetchOffsets(m, change.assigned());
            }
        });
    }

    private void fetchOffsets(SimMember m, Set<TopicPartition> partitions) {
        m.awaitingOffsets.addAll(partitions);
        OffsetFetchRequest.Builder request = OffsetFetchRequest.newBuilder().setGroupId(GROUP);
        partitions.forEach(tp -> request.addTopics(TopicPartitions.newBuilder().setTopic(tp.topic()).addPartitions(tp.partition())));
        OffsetFetchResponse response = coordinator.fetchOffsets(request.build());
        submit(new CoordinatorResult<>(List.of(), response), answer -> answer.getTopicsList().forEach(t ->
                t.getPartitionsList().forEach(p -> {
                    TopicPartition tp = new TopicPartition(t.getTopic(), p.getPartition());
                    if (m.awaitingOffsets.remove(tp) && m.membership.owned().contains(tp)) {
                        m.positions.put(tp, Math.max(0, p.getCommittedOffset()));
                    }
                })));
    }

    private void commit(SimMember m, Set<TopicPartition> partitions, boolean revoking) {
        OffsetCommitRequest.Builder request = OffsetCommitRequest.newBuilder().setGroupId(GROUP)
                .setMemberId(m.membership.memberId()).setMemberEpoch(m.membership.memberEpoch());
        for (TopicPartition tp : partitions) {
            Long position = m.positions.get(tp);
            if (position != null) {
                request.addTopics(OffsetCommitTopic.newBuilder().setTopic(tp.topic()).addPartitions(
                        OffsetCommitPartition.newBuilder().setPartition(tp.partition()).setCommittedOffset(position)));
            }
        }
        Object token = new Object();
        m.requestToken = token;
        m.requestDeadline = now + REQUEST_TIMEOUT_MS;
        m.commitInFlight = true;
        CoordinatorResult<OffsetCommitResponse> result = coordinator.commitOffsets(request.build(), now);
        submit(result, response -> {
            if (m.requestToken != token) {
                return;
            }
            m.requestToken = null;
            m.requestDeadline = Long.MAX_VALUE;
            m.commitInFlight = false;
            if (revoking) {
                // revocation ends whether or not the commit went through (a fenced member's would not)
                drop(m, m.toRevoke);
                m.toRevoke.clear();
                m.revocationCommitSent = false;
                m.membership.revocationDone();
            }
        });
    }

    /** The member delivers the next record of every partition it may deliver. */
    private void deliver(SimMember m) {
        for (Map.Entry<TopicPartition, Long> entry : m.positions.entrySet()) {
            TopicPartition tp = entry.getKey();
            if (m.membership.mayDeliver(tp, now) && random.nextInt(3) != 0) {
                long offset = entry.getValue();
                delivered.computeIfAbsent(tp, t -> new BitSet()).set((int) offset);
                entry.setValue(offset + 1);
                deliveries++;
            }
        }
    }

    private static void drop(SimMember m, Collection<TopicPartition> partitions) {
        for (TopicPartition tp : List.copyOf(partitions)) {
            m.positions.remove(tp);
            m.awaitingOffsets.remove(tp);
            m.toRevoke.remove(tp);
        }
    }

    // ---------------------------------------------------------------- checks

    private void checkSingleOwners() {
        Map<TopicPartition, SimMember> deliverer = new HashMap<>();
        for (SimMember m : members) {
            if (!m.alive()) {
                continue;
            }
            for (TopicPartition tp : m.positions.keySet()) {
                if (m.membership.mayDeliver(tp, now)) {
                    SimMember other = deliverer.put(tp, m);
                    if (other != null) {
                        throw new AssertionError(tp + " deliverable by " + other.name() + " (lease until "
                                + other.membership.leaseExpiresAtMs() + ") and " + m.name() + " (lease until "
                                + m.membership.leaseExpiresAtMs() + ") at " + now + "\n"
                                + String.join("\n", trace.subList(Math.max(0, trace.size() - 40), trace.size())));
                    }
                }
            }
        }
    }

    private void checkCommittedOffset(GroupRecord record) {
        if (record.key().getKeyCase() != GroupRecordKey.KeyCase.OFFSET_COMMIT || record.isTombstone()) {
            return;
        }
        TopicPartition tp = new TopicPartition(record.key().getOffsetCommit().getTopic(),
                record.key().getOffsetCommit().getPartition());
        long offset = ((OffsetCommitValue) record.value()).getCommittedOffset();
        Long before = committed.put(tp, offset);
        if (before != null && offset < before) {
            throw new AssertionError("committed offset of " + tp + " went back from " + before + " to " + offset + " at " + now);
        }
        int firstUndelivered = delivered.getOrDefault(tp, new BitSet()).nextClearBit(0);
        if (offset > firstUndelivered) {
            throw new AssertionError("offset " + offset + " committed for " + tp + " but " + firstUndelivered
                    + " was never delivered, at " + now);
        }
        commits++;
    }

    private void checkSettled() {
        Map<TopicPartition, String> owners = new TreeMap<>();
        for (SimMember m : members) {
            if (!m.alive()) {
                continue;
            }
            for (TopicPartition tp : m.membership.owned()) {
                String other = owners.put(tp, m.name());
                if (other != null) {
                    throw new AssertionError(tp + " owned by " + other + " and " + m.name() + " at the end");
                }
            }
        }
        List<TopicPartition> unowned = new ArrayList<>();
        topics.topicNames().forEach(topic -> {
            int count = topics.partitionCount(topic);
            for (int p = 0; p < count; p++) {
                if (!owners.containsKey(new TopicPartition(topic, p))) {
                    unowned.add(new TopicPartition(topic, p));
                }
            }
        });
        if (!unowned.isEmpty()) {
            throw new AssertionError("never owned after the quiet spell: " + unowned + "\n"
                    + String.join("\n", trace.subList(Math.max(0, trace.size() - 60), trace.size())));
        }
        ConsumerGroup group = coordinator.group(GROUP);
        if (group.state() != ConsumerGroup.State.STABLE) {
            throw new AssertionError("group not stable at the end: " + group.state());
        }
        long live = members.stream().filter(SimMember::alive).count();
        if (group.members().size() != live) {
            throw new AssertionError("coordinator has " + group.members().keySet() + " but " + live + " members live");
        }
    }

    private void trace(String event) {
        trace.add(now + " " + event);
    }
}
