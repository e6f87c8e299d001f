package io.tributary.broker.coordinator;

import io.tributary.broker.group.CoordinatorResult;
import io.tributary.broker.group.GroupConfig;
import io.tributary.broker.group.GroupCoordinatorState;
import io.tributary.broker.group.GroupException;
import io.tributary.broker.group.OffsetDeletion;
import io.tributary.broker.group.TopicsImage;
import io.tributary.broker.group.assignor.Assignors;
import io.tributary.broker.group.classic.ClassicGroupDescription;
import io.tributary.broker.group.classic.ClassicHeartbeat;
import io.tributary.broker.group.classic.ClassicJoin;
import io.tributary.broker.group.classic.ClassicLeave;
import io.tributary.broker.group.classic.ClassicOutcome;
import io.tributary.broker.group.classic.ClassicSync;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ConsumerGroupHeartbeatResponse;
import io.tributary.proto.v1.DeletedGroup;
import io.tributary.proto.v1.DescribedGroup;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.ListedGroup;
import io.tributary.proto.v1.OffsetCommitRequest;
import io.tributary.proto.v1.OffsetCommitResponse;
import io.tributary.proto.v1.OffsetFetchRequest;
import io.tributary.proto.v1.OffsetFetchResponse;
import io.tributary.proto.TopicPartition;
import io.tributary.replication.Replica;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the group coordinator of every offsets-topic partition this broker leads: loads a
 * partition's groups when it becomes leader, drops them when it stops, and serves group requests.
 *
 * <p>All group state lives on one thread ({@code group-coordinator}). A request runs there against
 * the partition's {@link GroupCoordinatorState}; the records it produced are appended to the
 * partition at the leader epoch the state was loaded in, and the answer goes out only once they,
 * and everything written before them, are committed. A read waits the same way for everything
 * written before it, so no answer ever shows state a failover could lose. An append that is
 * refused leaves the state ahead of the log: the state is dropped and loaded again from the log.
 *
 * <p>Session timers run on the monotonic clock; commit timestamps are wall-clock time.
 */
public final class GroupCoordinatorRuntime implements PartitionManager.RoleListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorRuntime.class);
    private static final long TIMER_TICK_MS = 100;

    /** One loaded offsets partition. Confined to the coordinator thread. */
    private static final class Shard {
        final int partition;
        final int leaderEpoch;
        final GroupCoordinatorState state;
        /** The offset after the last record this shard loaded or wrote: answers wait until it is committed. */
        long writtenEnd;
        /** Classic JoinGroups and SyncGroups waiting for the rest of their group, by token. */
        final Map<Long, CompletableFuture<ClassicJoin.Result>> parkedJoins = new HashMap<>();
        final Map<Long, CompletableFuture<ClassicSync.Result>> parkedSyncs = new HashMap<>();

        Shard(int partition, int leaderEpoch, GroupCoordinatorState state) {
            this.partition = partition;
            this.leaderEpoch = leaderEpoch;
            this.state = state;
        }
    }

    private final int nodeId;
    private final GroupConfig config;
    private final Assignors assignors;
    private final OffsetsLog offsetsLog;
    private final TopicsImage topics;
    private final IntSupplier offsetsPartitionCount;
    private final LongSupplier monotonicMs;
    private final LongSupplier wallClockMs;
    private final BooleanSupplier actsAsLeader;
    private final ScheduledExecutorService thread;
    private final Map<Integer, Shard> shards = new HashMap<>();
    private long nextParkToken;

    /**
     * @param offsetsPartitionCount the offsets topic's partition count, -1 while it does not exist
     * @param retentionCheckIntervalMs how often expired offsets are looked for
     * @param actsAsLeader          whether this node may act as a leader now (it holds its lease with the
     *                              metadata quorum, and its metadata has caught up after a lapse): a node
     *                              cut off may have been replaced as coordinator without knowing it, and
     *                              answering from its own state would hand out stale offsets
     * @param thread                a single thread, owned by the runtime from now on
     */
    public GroupCoordinatorRuntime(int nodeId, GroupConfig config, Assignors assignors, OffsetsLog offsetsLog,
                                   TopicsImage topics, IntSupplier offsetsPartitionCount, LongSupplier monotonicMs,
                                   LongSupplier wallClockMs, long retentionCheckIntervalMs,
                                   BooleanSupplier actsAsLeader, ScheduledExecutorService thread) {
        this.nodeId = nodeId;
        this.config = config;
        this.assignors = assignors;
        this.offsetsLog = offsetsLog;
        this.topics = topics;
        this.offsetsPartitionCount = offsetsPartitionCount;
        this.monotonicMs = monotonicMs;
        this.wallClockMs = wallClockMs;
        this.actsAsLeader = actsAsLeader;
        this.thread = thread;
        thread.scheduleWithFixedDelay(this::expireMembers, TIMER_TICK_MS, TIMER_TICK_MS, TimeUnit.MILLISECONDS);
        thread.scheduleWithFixedDelay(this::expireOffsets, retentionCheckIntervalMs, retentionCheckIntervalMs,
                TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- leadership

    @Override
    public void onRoleChange(Partition partition, Replica.RoleChange change) {
        if (!partition.topicPartition().topic().equals(OffsetsTopic.NAME) || change == Replica.RoleChange.ISR_CHANGED
                || change == Replica.RoleChange.NONE) {
            return;
        }
        onLeadershipChange(partition.topicPartition().partition(), partition.leaderEpoch(),
                change == Replica.RoleChange.BECAME_LEADER);
    }

    /** This node became leader of offsets partition {@code number} at {@code epoch}, or stopped leading it. */
    void onLeadershipChange(int number, int epoch, boolean leads) {
        if (leads) {
            onThread(() -> load(number, epoch));
        } else {
            onThread(() -> unload(number, "it no longer leads the partition"));
        }
    }

    @Override
    public void onRemoved(Partition partition) {
        if (partition.topicPartition().topic().equals(OffsetsTopic.NAME)) {
            int number = partition.topicPartition().partition();
            onThread(() -> unload(number, "the partition was removed"));
        }
    }

    /** Runs a leadership change on the coordinator thread; once the node is stopping there is nothing to load. */
    private void onThread(Runnable change) {
        try {
            thread.execute(change);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            log.debug("Node {}: a leadership change arrived while stopping; ignored", nodeId);
        }
    }

    private void load(int partition, int leaderEpoch) {
        unload(partition, "it leads the partition at epoch " + leaderEpoch + " now");
        if (!offsetsLog.leads(partition, leaderEpoch)) {
            return; // leadership moved on before this ran; a later event loads it
        }
        long startNanos = System.nanoTime();
        Shard shard = new Shard(partition, leaderEpoch, new GroupCoordinatorState(config, assignors, topics,
                () -> java.util.UUID.randomUUID().toString()));
        try {
            shard.writtenEnd = offsetsLog.readAll(partition, shard.state::replay);
        } catch (RuntimeException e) {
            log.error("Node {}: cannot load the groups of {}-{}: {}", nodeId, OffsetsTopic.NAME, partition, e.toString());
            return;
        }
        shard.state.startTimers(monotonicMs.getAsLong());
        shards.put(partition, shard);
        log.info("Node {}: coordinating {} group(s) of {}-{} at leader epoch {} (loaded in {} ms)", nodeId,
                shard.state.groups().size(), OffsetsTopic.NAME, partition, leaderEpoch,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    private void unload(int partition, String why) {
        Shard removed = shards.remove(partition);
        if (removed != null) {
            log.info("Node {}: no longer coordinating the groups of {}-{}: {}", nodeId, OffsetsTopic.NAME, partition, why);
            String message = "node " + nodeId + " no longer coordinates these groups: find their coordinator";
            removed.parkedJoins.values().forEach(f -> f.complete(
                    ClassicJoin.Result.error(ErrorCode.NOT_COORDINATOR, message, "")));
            removed.parkedSyncs.values().forEach(f -> f.complete(ClassicSync.Result.error(ErrorCode.NOT_COORDINATOR, message)));
        }
    }

    // ---------------------------------------------------------------- requests

    public CompletableFuture<ConsumerGroupHeartbeatResponse> heartbeat(ConsumerGroupHeartbeatRequest request,
                                                                       String clientHost) {
        return write(request.getGroupId(), state -> state.heartbeat(request, clientHost, monotonicMs.getAsLong()),
                e -> ConsumerGroupHeartbeatResponse.newBuilder().setErrorCode(e.code()).setErrorMessage(e.getMessage())
                        .setMemberId(request.getMemberId()).setMemberEpoch(-1).build());
    }

    public CompletableFuture<OffsetCommitResponse> commitOffsets(OffsetCommitRequest request) {
        return write(request.getGroupId(), state -> state.commitOffsets(request, wallClockMs.getAsLong()),
                e -> OffsetCommitResponse.newBuilder().setErrorCode(e.code()).setErrorMessage(e.getMessage()).build());
    }

    public CompletableFuture<OffsetFetchResponse> fetchOffsets(OffsetFetchRequest request) {
        return read(request.getGroupId(), state -> state.fetchOffsets(request),
                e -> OffsetFetchResponse.newBuilder().setErrorCode(e.code()).setErrorMessage(e.getMessage()).build());
    }

    public CompletableFuture<DescribedGroup> describeGroup(String groupId) {
        return read(groupId, state -> state.describe(groupId), e -> DescribedGroup.newBuilder().setGroupId(groupId)
                .setErrorCode(e.code()).setErrorMessage(e.getMessage()).build());
    }

    public CompletableFuture<DeletedGroup> deleteGroup(String groupId) {
        return write(groupId, state -> state.deleteGroup(groupId), e -> DeletedGroup.newBuilder().setGroupId(groupId)
                .setErrorCode(e.code()).setErrorMessage(e.getMessage()).build());
    }

    // ---------------------------------------------------------------- Kafka's classic protocol

    /** A JoinGroup; answered when the group's rebalance completes (or at once when it need not wait). */
    public CompletableFuture<ClassicJoin.Result> joinClassic(ClassicJoin.Request request) {
        CompletableFuture<ClassicJoin.Result> answer = new CompletableFuture<>();
        Function<GroupException, ClassicJoin.Result> refuse = e -> ClassicJoin.Result.error(e.code(), e.getMessage(),
                request.memberId());
        execute(answer, refuse, () -> {
            Shard shard = shardFor(request.groupId());
            long token = nextParkToken++;
            shard.parkedJoins.put(token, answer);
            ClassicOutcome<ClassicJoin.Result> outcome = shard.state.joinClassic(request, token, monotonicMs.getAsLong());
            if (outcome.response() != null) {
                shard.parkedJoins.remove(token);
            }
            answerClassic(shard, outcome, answer, refuse);
        });
        return answer;
    }

    /** A SyncGroup; a follower's is answered when the leader's brings the assignment. */
    public CompletableFuture<ClassicSync.Result> syncClassic(ClassicSync.Request request) {
        CompletableFuture<ClassicSync.Result> answer = new CompletableFuture<>();
        Function<GroupException, ClassicSync.Result> refuse = e -> ClassicSync.Result.error(e.code(), e.getMessage());
        execute(answer, refuse, () -> {
            Shard shard = shardFor(request.groupId());
            long token = nextParkToken++;
            shard.parkedSyncs.put(token, answer);
            ClassicOutcome<ClassicSync.Result> outcome = shard.state.syncClassic(request, token, monotonicMs.getAsLong());
            if (outcome.response() != null) {
                shard.parkedSyncs.remove(token);
            }
            answerClassic(shard, outcome, answer, refuse);
        });
        return answer;
    }

    /** A classic group as DescribeGroups shows it; empty when the group is no classic group. */
    public CompletableFuture<Optional<ClassicGroupDescription>> describeClassic(String groupId) {
        GroupException[] refused = new GroupException[1]; // written before the answer completes
        return read(groupId, state -> state.describeClassic(groupId), e -> {
            refused[0] = e;
            return Optional.<ClassicGroupDescription>empty();
        }).thenCompose(d -> refused[0] == null ? CompletableFuture.completedFuture(d)
                : CompletableFuture.failedFuture(refused[0]));
    }

    public CompletableFuture<ClassicHeartbeat> heartbeatClassic(String groupId, String memberId, String instanceId,
                                                                int generation) {
        return read(groupId, state -> state.heartbeatClassic(groupId, memberId, instanceId, generation,
                monotonicMs.getAsLong()), e -> new ClassicHeartbeat(e.code(), e.getMessage()));
    }

    /** A LeaveGroup; a refusal of the whole request is every member's error. */
    public CompletableFuture<List<ClassicLeave.MemberResult>> leaveClassic(String groupId,
                                                                           List<ClassicLeave.Member> members) {
        CompletableFuture<List<ClassicLeave.MemberResult>> answer = new CompletableFuture<>();
        Function<GroupException, List<ClassicLeave.MemberResult>> refuse = e -> members.stream()
                .map(m -> new ClassicLeave.MemberResult(m.memberId(), m.instanceId(), e.code())).toList();
        execute(answer, refuse, () -> {
            Shard shard = shardFor(groupId);
            answerClassic(shard, shard.state.leaveClassic(groupId, members, monotonicMs.getAsLong()), answer, refuse);
        });
        return answer;
    }

    /**
     * Writes a classic outcome's records, then answers: the request's own answer (when it is not
     * parked) and every parked request the step completed. If the records cannot be committed, they
     * all get COORDINATOR_NOT_AVAILABLE.
     */
    private <T> void answerClassic(Shard shard, ClassicOutcome<T> outcome, CompletableFuture<T> answer,
                                   Function<GroupException, T> refuse) {
        Map<CompletableFuture<ClassicJoin.Result>, ClassicJoin.Result> joins = new java.util.LinkedHashMap<>();
        outcome.joins().forEach((token, result) -> {
            CompletableFuture<ClassicJoin.Result> parked = shard.parkedJoins.remove(token);
            if (parked != null) {
                joins.put(parked, result);
            }
        });
        Map<CompletableFuture<ClassicSync.Result>, ClassicSync.Result> syncs = new java.util.LinkedHashMap<>();
        outcome.syncs().forEach((token, result) -> {
            CompletableFuture<ClassicSync.Result> parked = shard.parkedSyncs.remove(token);
            if (parked != null) {
                syncs.put(parked, result);
            }
        });
        if (!outcome.removedMembers().isEmpty()) {
            log.info("Node {}: removed from their classic groups: {}", nodeId, outcome.removedMembers());
        }
        CompletableFuture<Boolean> committed = new CompletableFuture<>();
        answerWhenCommitted(shard, new CoordinatorResult<>(outcome.records(), Boolean.TRUE), committed, e -> Boolean.FALSE);
        committed.thenAccept(ok -> {
            String lost = "the coordinator could not write the group's change: join again";
            if (!ok) {
                answer.complete(refuse.apply(new GroupException(ErrorCode.COORDINATOR_NOT_AVAILABLE, lost)));
            } else if (outcome.response() != null) {
                answer.complete(outcome.response());
            }
            joins.forEach((f, result) -> f.complete(ok ? result
                    : ClassicJoin.Result.error(ErrorCode.COORDINATOR_NOT_AVAILABLE, lost, result.memberId())));
            syncs.forEach((f, result) -> f.complete(ok ? result
                    : ClassicSync.Result.error(ErrorCode.COORDINATOR_NOT_AVAILABLE, lost)));
        });
    }

    /** Kafka's OffsetDelete: a group's offsets of partitions its members do not read. */
    public CompletableFuture<OffsetDeletion> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        return write(groupId, state -> state.deleteOffsets(groupId, partitions),
                e -> new OffsetDeletion(e.code(), e.getMessage(), Map.of()));
    }

    /** The groups this broker coordinates (a client asks every broker for the whole list). */
    public CompletableFuture<List<ListedGroup>> listGroups() {
        CompletableFuture<List<ListedGroup>> answer = new CompletableFuture<>();
        thread.execute(() -> {
            List<CompletableFuture<List<ListedGroup>>> parts = new ArrayList<>();
            for (Shard shard : shards.values()) {
                CompletableFuture<List<ListedGroup>> part = new CompletableFuture<>();
                answerWhenCommitted(shard, new CoordinatorResult<>(List.of(), shard.state.listGroups(nodeId)), part,
                        e -> List.of());
                parts.add(part);
            }
            CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((ok, failure) -> {
                List<ListedGroup> all = new ArrayList<>();
                parts.forEach(p -> all.addAll(p.join()));
                answer.complete(all);
            });
        });
        return answer;
    }

    /** Every group's committed offsets, of every partition this broker coordinates (read on the coordinator thread). */
    public CompletableFuture<Map<String, Map<TopicPartition, Long>>> committedOffsets() {
        CompletableFuture<Map<String, Map<TopicPartition, Long>>> answer = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                Map<String, Map<TopicPartition, Long>> out = new java.util.TreeMap<>();
                for (Shard shard : shards.values()) {
                    shard.state.groups().forEach((id, group) -> {
                        Map<TopicPartition, Long> offsets = new java.util.TreeMap<>();
                        group.offsets().forEach((tp, offset) -> offsets.put(tp, offset.offset()));
                        if (!offsets.isEmpty()) {
                            out.put(id, offsets);
                        }
                    });
                }
                answer.complete(out);
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            answer.complete(Map.of());
        }
        return answer;
    }

    /** A request that may change state: it runs, its records are written, and it is answered once they are committed. */
    private <T> CompletableFuture<T> write(String groupId, Function<GroupCoordinatorState, CoordinatorResult<T>> op,
                                           Function<GroupException, T> refuse) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        execute(answer, refuse, () -> {
            Shard shard = shardFor(groupId);
            answerWhenCommitted(shard, op.apply(shard.state), answer, refuse);
        });
        return answer;
    }

    /** A request that only reads: answered once everything written before it is committed. */
    private <T> CompletableFuture<T> read(String groupId, Function<GroupCoordinatorState, T> op,
                                          Function<GroupException, T> refuse) {
        return write(groupId, state -> new CoordinatorResult<>(List.of(), op.apply(state)), refuse);
    }

    private <T> void execute(CompletableFuture<T> answer, Function<GroupException, T> refuse, Runnable task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (GroupException e) {
                    answer.complete(refuse.apply(e));
                } catch (RuntimeException e) {
                    log.error("Node {}: a group request failed", nodeId, e);
                    answer.complete(refuse.apply(new GroupException(ErrorCode.UNKNOWN_SERVER_ERROR,
                            "the coordinator failed: " + e)));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            answer.complete(refuse.apply(new GroupException(ErrorCode.NOT_COORDINATOR, "node " + nodeId + " is stopping")));
        }
    }

    private Shard shardFor(String groupId) {
        if (groupId.isEmpty()) {
            throw new GroupException(ErrorCode.INVALID_GROUP_ID, "a group id must not be empty");
        }
        int count = offsetsPartitionCount.getAsInt();
        if (count <= 0) {
            throw new GroupException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the " + OffsetsTopic.NAME
                    + " topic does not exist yet: find the coordinator (which creates it) and retry");
        }
        int partition = OffsetsTopic.partitionFor(groupId, count);
        Shard shard = shards.get(partition);
        if (shard == null) {
            throw new GroupException(ErrorCode.NOT_COORDINATOR, "node " + nodeId + " does not coordinate group "
                    + groupId + " (" + OffsetsTopic.NAME + "-" + partition + "): find its coordinator");
        }
        if (!actsAsLeader.getAsBoolean()) {
            throw new GroupException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "node " + nodeId + " has no lease with the"
                    + " metadata quorum (or its metadata is catching up after one) and may have been replaced as the"
                    + " coordinator of group " + groupId + ": find its coordinator again");
        }
        return shard;
    }

    /** Writes the result's records (on the coordinator thread) and answers once they are committed. */
    private <T> void answerWhenCommitted(Shard shard, CoordinatorResult<T> result, CompletableFuture<T> answer,
                                         Function<GroupException, T> refuse) {
        if (!result.records().isEmpty()) {
            try {
                shard.writtenEnd = offsetsLog.append(shard.partition, shard.leaderEpoch, result.records());
            } catch (RuntimeException e) {
                // the state has applied records the log refused: read it back from the log
                log.warn("Node {}: writing to {}-{} failed ({}); loading its groups again", nodeId, OffsetsTopic.NAME,
                        shard.partition, e.getMessage());
                load(shard.partition, shard.leaderEpoch);
                answer.complete(refuse.apply(new GroupException(ErrorCode.COORDINATOR_NOT_AVAILABLE,
                        "the coordinator could not write the change: " + e.getMessage())));
                return;
            }
        }
        offsetsLog.awaitCommitted(shard.partition, shard.writtenEnd).whenComplete((ok, failure) -> {
            if (failure == null) {
                answer.complete(result.response());
            } else {
                answer.complete(refuse.apply(new GroupException(ErrorCode.COORDINATOR_NOT_AVAILABLE,
                        "the change may not have been committed: " + failure.getMessage())));
            }
        });
    }

    private void expireMembers() {
        if (!actsAsLeader.getAsBoolean()) {
            return; // members could not reach a node that refuses them; their sessions are not theirs to lose
        }
        long now = monotonicMs.getAsLong();
        for (Shard shard : List.copyOf(shards.values())) {
            if (shard.state.nextDeadlineMs() > now) {
                continue;
            }
            try {
                CoordinatorResult<List<String>> result = shard.state.expireMembers(now);
                if (!result.response().isEmpty()) {
                    log.info("Node {}: removed from their groups (session or rebalance timeout): {}", nodeId, result.response());
                }
                answerWhenCommitted(shard, result, new CompletableFuture<>(), e -> List.of());
                answerClassic(shard, shard.state.expireClassic(now), new CompletableFuture<Void>(), e -> null);
            } catch (RuntimeException e) {
                log.error("Node {}: expiring group members failed", nodeId, e);
            }
        }
    }

    private void expireOffsets() {
        if (!actsAsLeader.getAsBoolean()) {
            return;
        }
        for (Shard shard : List.copyOf(shards.values())) {
            try {
                CoordinatorResult<List<String>> result = shard.state.expireOffsets(wallClockMs.getAsLong());
                if (!result.response().isEmpty()) {
                    log.info("Node {}: expired {} offset(s) of groups without members (offsets.retention.minutes): {}",
                            nodeId, result.response().size(), result.response());
                }
                answerWhenCommitted(shard, result, new CompletableFuture<>(), e -> List.of());
            } catch (RuntimeException e) {
                log.error("Node {}: expiring offsets failed", nodeId, e);
            }
        }
    }

    /** Removes the offsets every coordinated group committed in topics that were deleted. */
    public void onTopicsDeleted(Set<String> deletedTopics) {
        onThread(() -> {
            for (Shard shard : List.copyOf(shards.values())) {
                CoordinatorResult<Integer> result = shard.state.deleteOffsetsOfTopics(deletedTopics);
                if (result.response() > 0) {
                    log.info("Node {}: removed {} committed offset(s) of deleted topic(s) {}", nodeId, result.response(),
                            deletedTopics);
                }
                answerWhenCommitted(shard, result, new CompletableFuture<>(), e -> 0);
            }
        });
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
