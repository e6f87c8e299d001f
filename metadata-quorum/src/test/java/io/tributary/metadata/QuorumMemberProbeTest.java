package io.tributary.metadata;

import static io.tributary.metadata.MetadataQuorumTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.metadata.QuorumMemberState.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.CandidateInfoProto;
import org.apache.ratis.proto.RaftProtos.FollowerInfoProto;
import org.apache.ratis.proto.RaftProtos.LeaderInfoProto;
import org.apache.ratis.proto.RaftProtos.LogInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.proto.RaftProtos.TermIndexProto;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuorumMemberProbeTest {
    @TempDir
    Path dir;

    @Test
    void aLeaderIsReadyOnceItAppliedAnEntryOfItsTerm() {
        RoleInfoProto leader = RoleInfoProto.newBuilder().setRole(RaftPeerRole.LEADER)
                .setLeaderInfo(LeaderInfoProto.newBuilder().setTerm(4)).build();
        LogInfoProto appliedOldTerm = LogInfoProto.newBuilder()
                .setApplied(TermIndexProto.newBuilder().setTerm(3).setIndex(40)).build();
        LogInfoProto appliedOwnTerm = LogInfoProto.newBuilder()
                .setApplied(TermIndexProto.newBuilder().setTerm(4).setIndex(41)).build();

        assertThat(QuorumMemberProbe.stateOf(2, leader, appliedOldTerm)).isEqualTo(QuorumMemberState.leader(2, false));
        assertThat(QuorumMemberProbe.stateOf(2, leader, appliedOwnTerm)).isEqualTo(QuorumMemberState.leader(2, true));
        assertThat(QuorumMemberProbe.stateOf(2, leader, LogInfoProto.getDefaultInstance()).leaderReady())
                .as("unknown counts as ready: it never extends a lease").isTrue();
    }

    @Test
    void followersReportTheirLeaderAndWhenItLastReachedThem() {
        RoleInfoProto follower = RoleInfoProto.newBuilder().setRole(RaftPeerRole.FOLLOWER)
                .setFollowerInfo(FollowerInfoProto.newBuilder().setLeaderInfo(ServerRpcProto.newBuilder()
                        .setId(RaftPeerProto.newBuilder().setId(ByteString.copyFromUtf8("n3")))
                        .setLastRpcElapsedTimeMs(730))).build();
        RoleInfoProto leaderless = RoleInfoProto.newBuilder().setRole(RaftPeerRole.FOLLOWER)
                .setFollowerInfo(FollowerInfoProto.newBuilder().setLeaderInfo(ServerRpcProto.getDefaultInstance()))
                .build();
        RoleInfoProto candidate = RoleInfoProto.newBuilder().setRole(RaftPeerRole.CANDIDATE)
                .setCandidateInfo(CandidateInfoProto.newBuilder().setLastLeaderElapsedTimeMs(1200)).build();

        assertThat(QuorumMemberProbe.stateOf(1, follower, null))
                .isEqualTo(QuorumMemberState.follower(1, OptionalInt.of(3), 730));
        assertThat(QuorumMemberProbe.stateOf(1, leaderless, null).leader()).isEmpty();
        assertThat(QuorumMemberProbe.stateOf(1, candidate, null)).isEqualTo(QuorumMemberState.candidate(1, 1200));
    }

    /**
     * Real members: every voter answers while all run, one of them the ready leader; with the
     * leader gone, the others answer without it, none a ready leader, until they elect one.
     */
    @Test
    void votersDescribeTheElectionAsItHappens() throws Exception {
        List<MetadataQuorum> nodes = new ArrayList<>();
        try {
            MetadataQuorumTest.startThreeVoters(dir, nodes);
            await("a leader", () -> nodes.stream().filter(MetadataQuorum::isLeader).count() == 1);
            MetadataQuorum leader = nodes.stream().filter(MetadataQuorum::isLeader).findFirst().orElseThrow();
            MetadataQuorum other = nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();

            List<QuorumMemberState> all = other.describeVoters().get(10, TimeUnit.SECONDS);
            assertThat(all).hasSize(3);
            assertThat(all).filteredOn(a -> a.role() == Role.LEADER && a.leaderReady())
                    .extracting(QuorumMemberState::nodeId).containsExactly(leader.nodeId());
            assertThat(all).filteredOn(a -> a.role() == Role.FOLLOWER)
                    .allSatisfy(a -> assertThat(a.leader()).hasValue(leader.nodeId()));

            leader.close();
            List<QuorumMemberState> during = other.describeVoters().get(10, TimeUnit.SECONDS);
            assertThat(during).as("the closed leader does not answer").hasSize(2)
                    .noneMatch(a -> a.nodeId() == leader.nodeId());

            await("a new ready leader among the answers", () -> other.describeVoters().join().stream()
                    .anyMatch(a -> a.role() == Role.LEADER && a.leaderReady() && a.nodeId() != leader.nodeId()));
        } finally {
            nodes.forEach(MetadataQuorum::close);
        }
    }
}
