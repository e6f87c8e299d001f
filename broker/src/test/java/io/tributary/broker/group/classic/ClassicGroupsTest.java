package io.tributary.broker.group.classic;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.group.GroupRecord;
import io.tributary.proto.group.v1.ClassicGroupValue;
import io.tributary.proto.v1.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Kafka's classic group protocol on a fake clock: joins, the leader's sync, heartbeats, leaves, timeouts, reload. */
class ClassicGroupsTest {
    private static final String GROUP = "g";
    private static final int SESSION_MS = 10_000;
    private static final int REBALANCE_MS = 30_000;
    private static final int INITIAL_DELAY_MS = 3_000;

    private final AtomicInteger ids = new AtomicInteger();
    private final ClassicGroups groups = new ClassicGroups(
            new ClassicGroupConfig(6_000, 300_000, INITIAL_DELAY_MS, 3), () -> "id" + ids.incrementAndGet());
    private long now = 1_000;
    private long nextToken = 1;
    /** Every answer to a parked request, by token. */
    private final Map<Long, ClassicJoin.Result> joined = new HashMap<>();
    private final Map<Long, ClassicSync.Result> synced = new HashMap<>();
    /** Every record the groups wrote, in order. */
    private final List<GroupRecord> records = new java.util.ArrayList<>();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ClassicJoin.Request joinRequest(String memberId, String instanceId, List<ClassicProtocol> protocols) {
        return new ClassicJoin.Request(GROUP, memberId, instanceId, "client", "/127.0.0.1", SESSION_MS, REBALANCE_MS,
                "consumer", protocols, true);
    }

    private static List<ClassicProtocol> offers(String... names) {
        return java.util.Arrays.stream(names).map(n -> new ClassicProtocol(n, bytes("meta-" + n))).toList();
    }

    private <T> T collect(ClassicOutcome<T> outcome) {
        records.addAll(outcome.records());
        joined.putAll(outcome.joins());
        synced.putAll(outcome.syncs());
        return outcome.response();
    }

    /** Joins under a fresh token: the immediate answer, or null while parked. */
    private long join(ClassicJoin.Request request) {
        long token = nextToken++;
        ClassicJoin.Result immediate = collect(groups.join(request, token, now));
        if (immediate != null) {
            joined.put(token, immediate);
        }
        return token;
    }

    /** A new member: MEMBER_ID_REQUIRED first, then the join with its id (parked); returns the second join's token. */
    private long newMember(List<ClassicProtocol> protocols) {
        long first = join(joinRequest("", "", protocols));
        ClassicJoin.Result required = joined.get(first);
        assertThat(required.error()).isEqualTo(ErrorCode.MEMBER_ID_REQUIRED);
        return join(joinRequest(required.memberId(), "", protocols));
    }

    private void advance(long ms) {
        now += ms;
        collect(groups.expire(now));
    }

    private long sync(String memberId, int generation, Map<String, byte[]> assignments) {
        long token = nextToken++;
        ClassicSync.Result immediate = collect(groups.sync(new ClassicSync.Request(GROUP, memberId, "", generation,
                "consumer", "", assignments), token, now));
        if (immediate != null) {
            synced.put(token, immediate);
        }
        return token;
    }

    @Test
    void aGroupStartingTogetherSettlesInOneRebalanceAndTheLeaderHandsOutTheAssignment() {
        long a = newMember(offers("range", "roundrobin"));
        long b = newMember(offers("roundrobin", "range"));
        long c = newMember(offers("roundrobin"));
        assertThat(joined).as("the first rebalance of an empty group waits for more members").doesNotContainKeys(a, b, c);

        advance(INITIAL_DELAY_MS);
        ClassicJoin.Result leader = joined.get(a);
        assertThat(leader.error()).isEqualTo(ErrorCode.NONE);
        assertThat(leader.generation()).isEqualTo(1);
        assertThat(leader.protocolName()).as("the only protocol all support").isEqualTo("roundrobin");
        assertThat(leader.leaderId()).isEqualTo(leader.memberId());
        assertThat(leader.members()).hasSize(3);
        assertThat(leader.members().get(1).metadata()).isEqualTo(bytes("meta-roundrobin"));
        assertThat(joined.get(b).members()).as("followers do not see the others").isEmpty();
        assertThat(groups.group(GROUP).orElseThrow().state()).isEqualTo(ClassicGroup.State.COMPLETING_REBALANCE);

        String bId = joined.get(b).memberId();
        String cId = joined.get(c).memberId();
        long followerSync = sync(bId, 1, Map.of());
        assertThat(synced).as("a follower waits for the leader's sync").doesNotContainKey(followerSync);
        Map<String, byte[]> assignment = Map.of(leader.memberId(), bytes("A"), bId, bytes("B"), cId, bytes("C"));
        ClassicOutcome<ClassicSync.Result> leaderSync = groups.sync(new ClassicSync.Request(GROUP, leader.memberId(), "",
                1, "consumer", "roundrobin", assignment), nextToken++, now);
        collect(leaderSync);
        assertThat(leaderSync.records()).as("the stable group is written").hasSize(1);
        assertThat(synced.get(followerSync).assignment()).isEqualTo(bytes("B"));
        assertThat(groups.group(GROUP).orElseThrow().state()).isEqualTo(ClassicGroup.State.STABLE);

        long lateSync = sync(cId, 1, Map.of());
        assertThat(synced.get(lateSync).assignment()).as("a stable group answers at once").isEqualTo(bytes("C"));
        assertThat(groups.heartbeat(GROUP, cId, "", 1, now)).isEqualTo(ErrorCode.NONE);
    }

    /** Three members settled at generation 1; returns their ids, the leader first. */
    private List<String> stableGroupOfThree() {
        long a = newMember(offers("range"));
        long b = newMember(offers("range"));
        long c = newMember(offers("range"));
        advance(INITIAL_DELAY_MS);
        List<String> members = List.of(joined.get(a).memberId(), joined.get(b).memberId(), joined.get(c).memberId());
        Map<String, byte[]> assignment = new HashMap<>();
        members.forEach(m -> assignment.put(m, bytes("for-" + m)));
        sync(members.get(0), 1, assignment);
        return members;
    }

    @Test
    void aMemberLeavingMakesTheOthersJoinAgainAndTheGenerationMovesOn() {
        List<String> members = stableGroupOfThree();
        ClassicOutcome<List<ClassicLeave.MemberResult>> left = groups.leave(GROUP,
                List.of(new ClassicLeave.Member(members.get(2), "")), now);
        assertThat(left.response().get(0).error()).isEqualTo(ErrorCode.NONE);
        assertThat(groups.heartbeat(GROUP, members.get(1), "", 1, now)).isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        assertThat(groups.checkCommit(GROUP, members.get(1), "", 1, now))
                .as("a member may commit what it read before it joins again").contains(ErrorCode.NONE);

        long a = join(joinRequest(members.get(0), "", offers("range")));
        assertThat(joined).doesNotContainKey(a);
        long b = join(joinRequest(members.get(1), "", offers("range")));
        assertThat(joined.get(a).generation()).isEqualTo(2);
        assertThat(joined.get(a).members()).hasSize(2);
        assertThat(joined.get(b).generation()).isEqualTo(2);
        assertThat(groups.checkCommit(GROUP, members.get(1), "", 1, now)).contains(ErrorCode.ILLEGAL_GENERATION);
        assertThat(groups.checkCommit(GROUP, members.get(1), "", 2, now))
                .as("the assignment is being handed out").contains(ErrorCode.REBALANCE_IN_PROGRESS);
        assertThat(groups.heartbeat(GROUP, members.get(2), "", 1, now)).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
    }

    @Test
    void aMemberThatStopsHeartbeatingIsRemovedAndOneThatDoesNotRejoinInTimeIsLeftOut() {
        List<String> members = stableGroupOfThree();
        advance(SESSION_MS / 2);
        groups.heartbeat(GROUP, members.get(0), "", 1, now);
        groups.heartbeat(GROUP, members.get(1), "", 1, now);
        advance(SESSION_MS / 2);
        assertThat(groups.group(GROUP).orElseThrow().members()).extracting(ClassicMember::memberId)
                .containsExactly(members.get(0), members.get(1));
        assertThat(groups.group(GROUP).orElseThrow().state()).isEqualTo(ClassicGroup.State.PREPARING_REBALANCE);

        long a = join(joinRequest(members.get(0), "", offers("range")));
        advance(REBALANCE_MS);
        assertThat(joined.get(a).generation()).isEqualTo(2);
        assertThat(joined.get(a).members()).as("the member that never joined again is out").hasSize(1);
        assertThat(groups.heartbeat(GROUP, members.get(1), "", 1, now)).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
    }

    @Test
    void aLeaderThatNeverSyncsIsRemovedAfterTheRebalanceTimeout() {
        long a = newMember(offers("range"));
        long b = newMember(offers("range"));
        advance(INITIAL_DELAY_MS);
        String follower = joined.get(b).memberId();
        long waiting = sync(follower, 1, Map.of());
        String leader = joined.get(a).memberId();
        for (int elapsed = 0; elapsed < REBALANCE_MS; elapsed += SESSION_MS / 2) {
            assertThat(groups.heartbeat(GROUP, follower, "", 1, now)).isEqualTo(ErrorCode.NONE);
            assertThat(groups.heartbeat(GROUP, leader, "", 1, now)).as("alive, but it never syncs").isEqualTo(ErrorCode.NONE);
            advance(SESSION_MS / 2);
        }
        assertThat(synced.get(waiting).error()).as("the group rebalances without the leader")
                .isEqualTo(ErrorCode.REBALANCE_IN_PROGRESS);
        assertThat(groups.group(GROUP).orElseThrow().members()).extracting(ClassicMember::memberId)
                .containsExactly(follower);
        assertThat(joined.get(a).error()).isEqualTo(ErrorCode.NONE);
    }

    @Test
    void everyBadRequestGetsItsOwnErrorAndChangesNothing() {
        List<String> members = stableGroupOfThree();
        assertThat(groups.join(new ClassicJoin.Request(GROUP, "", "", "c", "h", 1_000, REBALANCE_MS, "consumer",
                offers("range"), true), nextToken++, now).response().error()).isEqualTo(ErrorCode.INVALID_SESSION_TIMEOUT);
        assertThat(groups.join(new ClassicJoin.Request(GROUP, "", "", "c", "h", SESSION_MS, REBALANCE_MS, "connect",
                offers("range"), true), nextToken++, now).response().error()).isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(groups.join(joinRequest("", "", offers("sticky")), nextToken++, now).response().error())
                .as("no protocol in common").isEqualTo(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(groups.join(joinRequest("", "", offers("range")), nextToken++, now).response().error())
                .as("group.max.size is 3").isEqualTo(ErrorCode.GROUP_MAX_SIZE_REACHED);
        assertThat(groups.join(joinRequest("nobody", "", offers("range")), nextToken++, now).response().error())
                .isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(groups.sync(new ClassicSync.Request(GROUP, members.get(1), "", 7, "consumer", "", Map.of()),
                nextToken++, now).response().error()).isEqualTo(ErrorCode.ILLEGAL_GENERATION);
        assertThat(groups.checkCommit(GROUP, "", "", -1, now)).as("outside the group while it has members")
                .contains(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(groups.checkCommit("not-classic", "", "", -1, now)).isEmpty();
        assertThat(groups.group(GROUP).orElseThrow().state()).isEqualTo(ClassicGroup.State.STABLE);
        assertThat(groups.group(GROUP).orElseThrow().generation()).isEqualTo(1);
    }

    @Test
    void aStaticMemberJoiningAgainFencesItsOldIdAndKeepsItsPlace() {
        long a = join(joinRequest("", "instance-1", offers("range")));
        advance(INITIAL_DELAY_MS);
        String first = joined.get(a).memberId();
        sync(first, 1, Map.of(first, bytes("P0")));

        long again = join(joinRequest("", "instance-1", offers("range")));
        advance(0);
        ClassicJoin.Result rejoined = joined.get(again);
        assertThat(rejoined.memberId()).isNotEqualTo(first);
        assertThat(rejoined.generation()).isEqualTo(2);
        assertThat(groups.heartbeat(GROUP, first, "instance-1", 1, now)).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(groups.leave(GROUP, List.of(new ClassicLeave.Member("", "instance-1")), now).response().get(0).error())
                .as("a static member leaves by its instance id").isEqualTo(ErrorCode.NONE);
        assertThat(groups.hasMembers(GROUP)).isFalse();
    }

    @Test
    void aNewCoordinatorLoadsTheStableGroupWithItsGenerationMembersAndAssignments() {
        List<String> members = stableGroupOfThree();
        GroupRecord written = records.get(records.size() - 1);

        ClassicGroups loaded = new ClassicGroups(ClassicGroupConfig.DEFAULTS, () -> "x");
        loaded.replay(written.groupId(), (ClassicGroupValue) written.value());
        loaded.startTimers(now);
        ClassicGroup group = loaded.group(GROUP).orElseThrow();
        assertThat(group.state()).isEqualTo(ClassicGroup.State.STABLE);
        assertThat(group.generation()).isEqualTo(1);
        assertThat(group.leaderId()).isEqualTo(members.get(0));
        assertThat(loaded.heartbeat(GROUP, members.get(2), "", 1, now)).isEqualTo(ErrorCode.NONE);
        assertThat(loaded.sync(new ClassicSync.Request(GROUP, members.get(2), "", 1, "consumer", "range", Map.of()),
                1, now).response().assignment()).isEqualTo(bytes("for-" + members.get(2)));

        // everyone leaves: the empty group is written at the next generation, and read back empty
        ClassicOutcome<List<ClassicLeave.MemberResult>> left = loaded.leave(GROUP, members.stream()
                .map(m -> new ClassicLeave.Member(m, "")).toList(), now);
        ClassicGroups reloaded = new ClassicGroups(ClassicGroupConfig.DEFAULTS, () -> "y");
        GroupRecord empty = left.records().get(0);
        reloaded.replay(empty.groupId(), (ClassicGroupValue) empty.value());
        assertThat(reloaded.group(GROUP).orElseThrow().state()).isEqualTo(ClassicGroup.State.EMPTY);
        assertThat(reloaded.group(GROUP).orElseThrow().generation()).isEqualTo(2);
        assertThat(reloaded.hasMembers(GROUP)).isFalse();
    }
}
