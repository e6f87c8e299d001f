package io.tributary.broker.group;

import io.tributary.broker.group.classic.ClassicGroupConfig;
import io.tributary.broker.group.classic.ClassicSync;
import io.tributary.broker.group.classic.ClassicProtocol;
import io.tributary.broker.group.classic.ClassicOutcome;
import io.tributary.broker.group.classic.ClassicJoin;
import io.tributary.broker.group.classic.ClassicLeave;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.group.assignor.Assignors;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ConsumerGroupHeartbeatResponse;
import io.tributary.proto.v1.DeletedGroup;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.OffsetCommitPartition;
import io.tributary.proto.v1.OffsetCommitRequest;
import io.tributary.proto.v1.OffsetCommitResponse;
import io.tributary.proto.v1.OffsetCommitTopic;
import io.tributary.proto.v1.OffsetFetchRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroupCoordinatorStateTest {
    private static final long RETENTION_MS = 60_000;
    private static final GroupConfig CONFIG = new GroupConfig(10_000, 1_000, 100, 64, RETENTION_MS,
            ClassicGroupConfig.DEFAULTS);
    private static final String GROUP = "g";

    private final FakeTopics topics = new FakeTopics().with("t", 4);
    /** Classic members' ids: counted, unique across every coordinator of the test. */
    private final java.util.concurrent.atomic.AtomicInteger classicIds = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.function.Supplier<String> memberIds = () -> "m" + classicIds.incrementAndGet();
    private final List<GroupRecord> log = new ArrayList<>();
    private GroupCoordinatorState state = new GroupCoordinatorState(CONFIG, Assignors.standard(), topics, memberIds);
    private long now = 1_000;

    private <T> T written(CoordinatorResult<T> result) {
        log.addAll(result.records());
        return result.response();
    }

    private static ConsumerGroupHeartbeatRequest.Builder join(String memberId) {
        return ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP).setMemberId(memberId).setMemberEpoch(0)
                .setRebalanceTimeoutMs(5_000).setSubscriptionSet(true).addSubscribedTopicNames("t");
    }

    private ConsumerGroupHeartbeatResponse heartbeat(ConsumerGroupHeartbeatRequest.Builder request) {
        return written(state.heartbeat(request.build(), "127.0.0.1", now));
    }

    private ConsumerGroupHeartbeatResponse heartbeat(String memberId, int epoch, Assignment owned) {
        return heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP).setMemberId(memberId)
                .setMemberEpoch(epoch).addAllOwnedTopicPartitions(owned.toWire()));
    }

    private static Assignment assigned(ConsumerGroupHeartbeatResponse response) {
        assertThat(response.getErrorCode()).isEqualTo(ErrorCode.NONE);
        return Assignment.fromWire(response.getAssignmentList());
    }

    private static TopicPartition tp(int partition) {
        return new TopicPartition("t", partition);
    }

    private OffsetCommitResponse commit(String memberId, int epoch, int partition, long offset) {
        return commit(memberId, epoch, "t", partition, offset, "");
    }

    private OffsetCommitResponse commit(String memberId, int epoch, String topic, int partition, long offset, String metadata) {
        return written(state.commitOffsets(OffsetCommitRequest.newBuilder().setGroupId(GROUP).setMemberId(memberId)
                .setMemberEpoch(epoch).addTopics(OffsetCommitTopic.newBuilder().setTopic(topic).addPartitions(
                        OffsetCommitPartition.newBuilder().setPartition(partition).setCommittedOffset(offset)
                                .setCommittedLeaderEpoch(3).setMetadata(metadata))).build(), now));
    }

    private static ErrorCode partitionError(OffsetCommitResponse response) {
        return response.getTopics(0).getPartitions(0).getErrorCode();
    }

    private long committed(int partition) {
        return state.fetchOffsets(OffsetFetchRequest.newBuilder().setGroupId(GROUP).build()).getTopicsList().stream()
                .flatMap(t -> t.getPartitionsList().stream()).filter(p -> p.getPartition() == partition)
                .findFirst().map(p -> p.getCommittedOffset()).orElse(-1L);
    }

    @Test
    void aJoiningMemberGetsPartitionsOnlyAfterTheOwnerGaveThemUp() {
        ConsumerGroupHeartbeatResponse a = heartbeat(join("a"));
        assertThat(assigned(a)).isEqualTo(Assignment.of(tp(0), tp(1), tp(2), tp(3)));
        int epochA = a.getMemberEpoch();

        ConsumerGroupHeartbeatResponse b = heartbeat(join("b"));
        assertThat(b.getMemberEpoch()).isGreaterThan(epochA);
        assertThat(assigned(b)).as("a still owns everything").isEmpty();

        ConsumerGroupHeartbeatResponse revoke = heartbeat("a", epochA, Assignment.of(tp(0), tp(1), tp(2), tp(3)));
        Assignment kept = assigned(revoke);
        assertThat(kept.size()).isEqualTo(2);
        assertThat(revoke.getMemberEpoch()).as("a keeps its epoch until it gave them up").isEqualTo(epochA);

        ConsumerGroupHeartbeatResponse stillWaiting = heartbeat("b", b.getMemberEpoch(), Assignment.EMPTY);
        assertThat(assigned(stillWaiting)).isEmpty();

        ConsumerGroupHeartbeatResponse done = heartbeat("a", epochA, kept);
        assertThat(assigned(done)).isEqualTo(kept);
        assertThat(done.getMemberEpoch()).isEqualTo(b.getMemberEpoch());

        ConsumerGroupHeartbeatResponse granted = heartbeat("b", b.getMemberEpoch(), Assignment.EMPTY);
        assertThat(assigned(granted)).isEqualTo(Assignment.of(tp(0), tp(1), tp(2), tp(3)).minus(kept));
        assertThat(state.group(GROUP).state()).isEqualTo(ConsumerGroup.State.STABLE);
    }

    @Test
    void aHeartbeatThatLeavesOwnedPartitionsOutDoesNotCompleteARevocation() {
        ConsumerGroupHeartbeatResponse a = heartbeat(join("a"));
        int epochA = a.getMemberEpoch();
        ConsumerGroupHeartbeatResponse b = heartbeat(join("b"));
        Assignment kept = assigned(heartbeat("a", epochA, Assignment.of(tp(0), tp(1), tp(2), tp(3))));

        // Kafka's clients send no owned partitions when they did not change: a still owns all four
        ConsumerGroupHeartbeatResponse unchanged = heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP)
                .setMemberId("a").setMemberEpoch(epochA).setOwnedTopicPartitionsUnchanged(true));
        assertThat(assigned(unchanged)).isEqualTo(kept);
        assertThat(assigned(heartbeat("b", b.getMemberEpoch(), Assignment.EMPTY))).as("a has not given them up").isEmpty();

        ConsumerGroupHeartbeatResponse done = heartbeat("a", epochA, kept);
        assertThat(assigned(heartbeat("b", b.getMemberEpoch(), Assignment.EMPTY)).size()).isEqualTo(2);
        ConsumerGroupHeartbeatResponse stable = heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP)
                .setMemberId("a").setMemberEpoch(done.getMemberEpoch()).setOwnedTopicPartitionsUnchanged(true));
        assertThat(assigned(stable)).isEqualTo(kept);
    }

    @Test
    void membersWhosePartitionsStayAreNeverAskedToStop() {
        topics.with("t", 12);
        Map<String, Assignment> owned = new LinkedHashMap<>();
        Map<String, Integer> epochs = new LinkedHashMap<>();
        for (String id : List.of("a", "b", "c")) {
            ConsumerGroupHeartbeatResponse r = heartbeat(join(id));
            owned.put(id, assigned(r));
            epochs.put(id, r.getMemberEpoch());
            settle(owned, epochs);
        }
        Map<String, Assignment> before = new LinkedHashMap<>(owned);
        ConsumerGroupHeartbeatResponse d = heartbeat(join("d"));
        owned.put("d", assigned(d));
        epochs.put("d", d.getMemberEpoch());
        settle(owned, epochs);
        for (String id : List.of("a", "b", "c")) {
            // each gave up one partition and kept the other three throughout
            assertThat(before.get(id).minus(owned.get(id)).size()).isEqualTo(1);
        }
        assertThat(owned.get("d").size()).isEqualTo(3);
    }

    /** Heartbeats every member until nothing changes, checking after each that no partition has two owners. */
    private void settle(Map<String, Assignment> owned, Map<String, Integer> epochs) {
        for (int round = 0; round < 10; round++) {
            for (String id : owned.keySet()) {
                ConsumerGroupHeartbeatResponse r = heartbeat(id, epochs.get(id), owned.get(id));
                Assignment next = assigned(r);
                assertThat(next.minus(owned.get(id)).partitions()).allSatisfy(tp ->
                        owned.forEach((other, theirs) -> {
                            if (!other.equals(id)) {
                                assertThat(theirs.contains(tp)).as("%s given to %s while %s owns it", tp, id, other).isFalse();
                            }
                        }));
                owned.put(id, next);
                epochs.put(id, r.getMemberEpoch());
            }
        }
        assertThat(state.group(GROUP).state()).isEqualTo(ConsumerGroup.State.STABLE);
    }

    @Test
    void commitsAreCheckedAgainstMemberEpochAndOwnership() {
        ConsumerGroupHeartbeatResponse a = heartbeat(join("a"));
        int epoch = a.getMemberEpoch();
        assertThat(commit("a", epoch, 1, 10).getErrorCode()).isEqualTo(ErrorCode.NONE);
        assertThat(committed(1)).isEqualTo(10);

        int records = log.size();
        assertThat(commit("zombie", epoch, 1, 5).getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(commit("a", epoch + 1, 1, 5).getErrorCode()).isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
        assertThat(commit("", -1, 1, 5).getErrorCode()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        assertThat(partitionError(commit("a", epoch, 9, 5))).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(partitionError(commit("a", epoch, "nope", 0, 5, ""))).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(partitionError(commit("a", epoch, 1, -3))).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(partitionError(commit("a", epoch, "t", 1, 5, "x".repeat(65)))).isEqualTo(ErrorCode.OFFSET_METADATA_TOO_LARGE);
        assertThat(log).as("refused commits write nothing").hasSize(records);
        assertThat(committed(1)).isEqualTo(10);

        // b joins: a is asked to give up two partitions; its commit for one it gave up is refused
        ConsumerGroupHeartbeatResponse b = heartbeat(join("b"));
        Assignment kept = assigned(heartbeat("a", epoch, Assignment.of(tp(0), tp(1), tp(2), tp(3))));
        TopicPartition revoked = Assignment.of(tp(0), tp(1), tp(2), tp(3)).minus(kept).partitions().first();
        assertThat(partitionError(commit("a", epoch, revoked.partition(), 11)))
                .as("a may still commit what it is giving up").isEqualTo(ErrorCode.NONE);
        ConsumerGroupHeartbeatResponse moved = heartbeat("a", epoch, kept);
        assertThat(commit("a", epoch, revoked.partition(), 12).getErrorCode()).isEqualTo(ErrorCode.STALE_MEMBER_EPOCH);
        assertThat(partitionError(commit("a", moved.getMemberEpoch(), revoked.partition(), 12)))
                .isEqualTo(ErrorCode.STALE_MEMBER_EPOCH);
        assertThat(committed(revoked.partition())).isEqualTo(11);
        assertThat(b.getErrorCode()).isEqualTo(ErrorCode.NONE);

        heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP).setMemberId("a").setMemberEpoch(-1));
        heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP).setMemberId("b").setMemberEpoch(-1));
        assertThat(state.group(GROUP).state()).isEqualTo(ConsumerGroup.State.EMPTY);
        assertThat(commit("", -1, 1, 0).getErrorCode()).as("an operator's reset of an empty group").isEqualTo(ErrorCode.NONE);
        assertThat(committed(1)).isZero();
    }

    @Test
    void anExpiredMemberIsRemovedAndItsPartitionsGoToOthers() {
        ConsumerGroupHeartbeatResponse a = heartbeat(join("a"));
        ConsumerGroupHeartbeatResponse b = heartbeat(join("b"));
        Assignment kept = assigned(heartbeat("a", a.getMemberEpoch(), assigned(a)));
        ConsumerGroupHeartbeatResponse aStable = heartbeat("a", a.getMemberEpoch(), kept);
        heartbeat("b", b.getMemberEpoch(), Assignment.EMPTY);

        now += CONFIG.sessionTimeoutMs() / 2;
        ConsumerGroupHeartbeatResponse aAlive = heartbeat("a", aStable.getMemberEpoch(), kept);
        assertThat(state.nextDeadlineMs()).isEqualTo(now - CONFIG.sessionTimeoutMs() / 2 + CONFIG.sessionTimeoutMs());
        now += CONFIG.sessionTimeoutMs() / 2;
        List<String> expired = written(state.expireMembers(now));
        assertThat(expired).containsExactly(GROUP + "/b");

        ConsumerGroupHeartbeatResponse all = heartbeat("a", aAlive.getMemberEpoch(), kept);
        assertThat(assigned(all)).isEqualTo(Assignment.of(tp(0), tp(1), tp(2), tp(3)));
        ConsumerGroupHeartbeatResponse zombie = heartbeat("b", b.getMemberEpoch(), Assignment.EMPTY);
        assertThat(zombie.getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        ConsumerGroupHeartbeatResponse stale = heartbeat("a", aAlive.getMemberEpoch() + 5, kept);
        assertThat(stale.getErrorCode()).isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
    }

    @Test
    void aStaticMemberRestartingWithinItsSessionMovesNothing() {
        ConsumerGroupHeartbeatResponse first = heartbeat(join("a1").setInstanceId("host-1"));
        ConsumerGroupHeartbeatResponse other = heartbeat(join("b").setInstanceId("host-2"));
        Assignment kept = assigned(heartbeat("a1", first.getMemberEpoch(), assigned(first)));
        ConsumerGroupHeartbeatResponse settled = heartbeat("a1", first.getMemberEpoch(), kept);
        Assignment bOwns = assigned(heartbeat("b", other.getMemberEpoch(), Assignment.EMPTY));
        int groupEpoch = state.group(GROUP).epoch();

        assertThat(heartbeat(join("a2").setInstanceId("host-1")).getErrorCode())
                .as("host-1 is still active").isEqualTo(ErrorCode.UNRELEASED_INSTANCE_ID);
        heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP).setMemberId("a1")
                .setInstanceId("host-1").setMemberEpoch(-2));
        ConsumerGroupHeartbeatResponse restarted = heartbeat(join("a2").setInstanceId("host-1"));
        assertThat(assigned(restarted)).isEqualTo(kept);
        assertThat(restarted.getMemberEpoch()).isEqualTo(settled.getMemberEpoch());
        assertThat(state.group(GROUP).epoch()).isEqualTo(groupEpoch);
        assertThat(assigned(heartbeat("b", other.getMemberEpoch(), bOwns))).isEqualTo(bOwns);
        assertThat(heartbeat("a1", settled.getMemberEpoch(), kept).getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
    }

    @Test
    void badHeartbeatsAreRefusedAndChangeNothing() {
        assertThat(heartbeat(join("a").setGroupId("")).getErrorCode()).isEqualTo(ErrorCode.INVALID_GROUP_ID);
        assertThat(heartbeat(join("")).getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(heartbeat(join("a").clearSubscribedTopicNames()).getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(heartbeat(join("a").setSubscribedTopicRegex("(")).getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(heartbeat(join("a").setServerAssignor("sticky-ish")).getErrorCode()).isEqualTo(ErrorCode.UNSUPPORTED_ASSIGNOR);
        assertThat(heartbeat(join("a").setRebalanceTimeoutMs(0)).getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(heartbeat("a", 3, Assignment.EMPTY).getErrorCode()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat("a", -7, Assignment.EMPTY).getErrorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(log).isEmpty();
        assertThat(state.groups()).isEmpty();
    }

    @Test
    void aGroupWithMembersCannotBeDeleted() {
        ConsumerGroupHeartbeatResponse a = heartbeat(join("a"));
        commit("a", a.getMemberEpoch(), 0, 7);
        assertThat(written(state.deleteGroup(GROUP)).getErrorCode()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        assertThat(written(state.deleteGroup("other")).getErrorCode()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP).setMemberId("a").setMemberEpoch(-1));
        DeletedGroup deleted = written(state.deleteGroup(GROUP));
        assertThat(deleted.getErrorCode()).isEqualTo(ErrorCode.NONE);
        assertThat(state.groups()).isEmpty();
        assertThat(reloaded(log).groups()).isEmpty();
    }

    @Test
    void aRegexSubscriptionFollowsTopicsAsTheyAppear() {
        ConsumerGroupHeartbeatResponse a = heartbeat(join("a").clearSubscribedTopicNames().setSubscribedTopicRegex("t.*"));
        assertThat(assigned(a).size()).isEqualTo(4);
        topics.with("t2", 2).with("other", 3);
        ConsumerGroupHeartbeatResponse grown = heartbeat("a", a.getMemberEpoch(), assigned(a));
        assertThat(assigned(grown).size()).isEqualTo(6);
        assertThat(grown.getMemberEpoch()).isGreaterThan(a.getMemberEpoch());
    }

    @Test
    void aLoadedStateIsTheStateThatWroteTheLog() {
        topics.with("t", 6);
        ConsumerGroupHeartbeatResponse a = heartbeat(join("a").setInstanceId("i"));
        ConsumerGroupHeartbeatResponse b = heartbeat(join("b"));
        Assignment kept = assigned(heartbeat("a", a.getMemberEpoch(), assigned(a)));
        commit("a", a.getMemberEpoch(), kept.partitions().first().partition(), 42);
        heartbeat("a", a.getMemberEpoch(), kept);
        heartbeat("b", b.getMemberEpoch(), Assignment.EMPTY);
        heartbeat(join("c"));

        GroupCoordinatorState loaded = reloaded(log);
        assertThat(loaded.describe(GROUP)).isEqualTo(state.describe(GROUP));
        assertThat(loaded.group(GROUP).offsets()).isEqualTo(state.group(GROUP).offsets());

        GroupCoordinatorState compacted = reloaded(CompactedLogs.compact(log));
        assertThat(compacted.describe(GROUP)).isEqualTo(state.describe(GROUP));
        assertThat(compacted.group(GROUP).offsets()).isEqualTo(state.group(GROUP).offsets());
    }

    @Test
    void offsetsOfADeletedTopicGoAndAGroupLeftWithNothingIsDeleted() {
        topics.with("u", 2);
        ConsumerGroupHeartbeatResponse a = heartbeat(join("a").addSubscribedTopicNames("u"));
        commit("a", a.getMemberEpoch(), "t", 0, 5, "");
        commit("a", a.getMemberEpoch(), "u", 1, 9, "");

        assertThat(written(state.deleteOffsetsOfTopics(Set.of("u", "never-committed")))).isEqualTo(1);
        assertThat(state.group(GROUP).offsets()).containsOnlyKeys(tp(0));
        assertThat(reloaded(log).group(GROUP).offsets()).containsOnlyKeys(tp(0));

        heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP).setMemberId("a").setMemberEpoch(-1));
        assertThat(written(state.deleteOffsetsOfTopics(Set.of("t")))).isEqualTo(1);
        assertThat(state.groups()).as("no members and no offsets left").isEmpty();
        assertThat(reloaded(log).groups()).isEmpty();
    }

    @Test
    void offsetsOfAGroupWithoutMembersExpireARetentionAfterBothTheCommitAndTheGroupEmptying() {
        ConsumerGroupHeartbeatResponse a = heartbeat(join("a"));
        commit("a", a.getMemberEpoch(), 0, 5);
        now += RETENTION_MS;
        commit("a", a.getMemberEpoch(), 1, 6);
        now += RETENTION_MS;
        assertThat(written(state.expireOffsets(now))).as("a member is active: nothing expires").isEmpty();

        heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP).setMemberId("a").setMemberEpoch(-1));
        assertThat(written(state.expireOffsets(now))).as("the group just became empty").isEmpty();
        now += RETENTION_MS - 1;
        assertThat(written(state.expireOffsets(now))).isEmpty();
        now += 1;
        assertThat(written(state.expireOffsets(now))).containsExactly(GROUP + "/t-0", GROUP + "/t-1");
        assertThat(state.groups()).isEmpty();
        assertThat(reloaded(log).groups()).isEmpty();
    }

    @Test
    void aStandaloneCommitterKeepsEachOffsetARetentionAfterItsOwnCommit() {
        commit("", -1, 0, 5);
        assertThat(written(state.expireOffsets(now))).isEmpty();
        now += RETENTION_MS / 2;
        commit("", -1, 1, 6);
        now += RETENTION_MS / 2;
        assertThat(written(state.expireOffsets(now))).containsExactly(GROUP + "/t-0");
        assertThat(state.group(GROUP).offsets()).containsOnlyKeys(tp(1));
        GroupCoordinatorState failedOver = reloaded(log);
        now += RETENTION_MS / 2;
        assertThat(written(failedOver.expireOffsets(now)))
                .as("a new coordinator counts the group empty from its own first sweep").isEmpty();
        now += RETENTION_MS;
        assertThat(written(failedOver.expireOffsets(now))).containsExactly(GROUP + "/t-1");
    }

    private GroupCoordinatorState reloaded(List<GroupRecord> records) {
        GroupCoordinatorState loaded = new GroupCoordinatorState(CONFIG, Assignors.standard(), topics, memberIds);
        records.forEach(loaded::replay);
        loaded.startTimers(now);
        return loaded;
    }

    private ClassicJoin.Request classicJoin(String groupId, String memberId) {
        return new ClassicJoin.Request(groupId, memberId, "", "kafka-client", "/127.0.0.1", 10_000, 5_000, "consumer",
                List.of(new ClassicProtocol("range", new byte[0])), false);
    }

    @Test
    void aGroupIdIsEitherAConsumerProtocolGroupOrAClassicOne() {
        assertThat(assigned(heartbeat(join("a")))).isNotNull();
        assertThat(state.joinClassic(classicJoin(GROUP, ""), 1, now).response().error())
                .isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

        ClassicOutcome<ClassicJoin.Result> classic = state.joinClassic(classicJoin("other", ""), 2, now);
        assertThat(classic.response()).as("parked for the initial rebalance delay").isNull();
        ConsumerGroupHeartbeatResponse refused = heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId("other")
                .setMemberId("b").setMemberEpoch(0).setRebalanceTimeoutMs(5_000).setSubscriptionSet(true)
                .addSubscribedTopicNames("t"));
        assertThat(refused.getErrorCode()).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(state.listGroups(1)).extracting(g -> g.getGroupId() + ":" + g.getType())
                .containsExactlyInAnyOrder(GROUP + ":CONSUMER", "other:CLASSIC");
    }

    @Test
    void aClassicMembersCommitIsCheckedAgainstItsGenerationAndItsOffsetsAreEveryonesOffsets() {
        state.joinClassic(classicJoin("c", ""), 1, now);
        now += ClassicGroupConfig.DEFAULTS.initialRebalanceDelayMs();
        ClassicJoin.Result joined = state.expireClassic(now).joins().get(1L);
        assertThat(joined.generation()).isEqualTo(1);
        OffsetCommitRequest.Builder commit = OffsetCommitRequest.newBuilder().setGroupId("c")
                .setMemberId(joined.memberId()).addTopics(OffsetCommitTopic.newBuilder().setTopic("t")
                        .addPartitions(OffsetCommitPartition.newBuilder().setPartition(0).setCommittedOffset(9)));
        assertThat(written(state.commitOffsets(commit.setMemberEpoch(1).build(), now)).getErrorCode())
                .as("the assignment is still being handed out").isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        state.syncClassic(new ClassicSync.Request("c", joined.memberId(), "", 1, "consumer", "range", Map.of()), 2, now);
        assertThat(written(state.commitOffsets(commit.setMemberEpoch(7).build(), now)).getErrorCode())
                .isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(written(state.commitOffsets(commit.setMemberEpoch(1).build(), now)).getTopics(0).getPartitions(0)
                .getErrorCode()).isEqualTo(ErrorCode.NONE);
        assertThat(state.fetchOffsets(OffsetFetchRequest.newBuilder().setGroupId("c").build()).getTopics(0)
                .getPartitions(0).getCommittedOffset()).isEqualTo(9);
        assertThat(written(state.deleteGroup("c")).getErrorCode()).as("it has a member").isEqualTo(ErrorCode.NON_EMPTY_GROUP);
    }

    @Test
    void offsetDeleteKeepsTheOffsetsOfTopicsTheMembersReadAndRemovesTheOthers() {
        topics.with("old", 1);
        ConsumerGroupHeartbeatResponse a = heartbeat(join("a"));
        OffsetCommitRequest.Builder commit = OffsetCommitRequest.newBuilder().setGroupId("standalone").setMemberEpoch(-1)
                .addTopics(OffsetCommitTopic.newBuilder().setTopic("old").addPartitions(OffsetCommitPartition.newBuilder()
                        .setPartition(0).setCommittedOffset(3)));
        assertThat(written(state.commitOffsets(commit.build(), now)).getErrorCode()).isEqualTo(ErrorCode.NONE);
        assertThat(written(state.deleteOffsets("standalone", List.of(new TopicPartition("old", 0)))).partitions())
                .containsEntry(new TopicPartition("old", 0), ErrorCode.NONE);
        assertThat(state.group("standalone")).as("a group left with nothing is gone").isNull();

        assertThat(a.getErrorCode()).isEqualTo(ErrorCode.NONE);
        OffsetDeletion subscribed = written(state.deleteOffsets(GROUP, List.of(tp(0))));
        assertThat(subscribed.partitions()).containsEntry(tp(0), ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
        assertThat(written(state.deleteOffsets("nobody", List.of(tp(0)))).error()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
    }

    @Test
    void anEmptyClassicGroupWithoutOffsetsGoesAtTheNextExpirySweep() {
        state.joinClassic(classicJoin("short-lived", ""), 1, now);
        now += ClassicGroupConfig.DEFAULTS.initialRebalanceDelayMs();
        String member = state.expireClassic(now).joins().get(1L).memberId();
        assertThat(state.leaveClassic("short-lived", List.of(new ClassicLeave.Member(member, "")), now).records())
                .as("the empty group is written").hasSize(1);
        assertThat(state.listGroups(1)).extracting(g -> g.getGroupId()).contains("short-lived");
        CoordinatorResult<List<String>> sweep = state.expireOffsets(now);
        assertThat(sweep.records()).as("its tombstone").hasSize(1);
        assertThat(sweep.records().get(0).isTombstone()).isTrue();
        assertThat(state.listGroups(1)).extracting(g -> g.getGroupId()).doesNotContain("short-lived");
    }
}
