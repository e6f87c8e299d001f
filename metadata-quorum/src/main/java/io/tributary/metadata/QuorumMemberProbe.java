package io.tributary.metadata;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.LogInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks every voter of the metadata quorum, at its Raft address, for its own account of the
 * election (Ratis's group info: role, leader, time since the leader last reached it), one attempt
 * each with a short deadline. A voter that does not answer in time is left out: the caller decides
 * on the answers it got. This node's own member answers in-process.
 */
final class QuorumMemberProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QuorumMemberProbe.class);

    private final int selfId;
    private final RaftGroup group;
    private final Supplier<QuorumMemberState> self;
    private final long timeoutMs;
    private final RaftClient client;
    private final ExecutorService callers;

    QuorumMemberProbe(int selfId, RaftGroup group, RaftProperties serverProperties, Supplier<QuorumMemberState> self,
                      long timeoutMs) {
        this.selfId = selfId;
        this.group = group;
        this.self = self;
        this.timeoutMs = timeoutMs;
        RaftProperties properties = new RaftProperties(serverProperties);
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(timeoutMs, TimeUnit.MILLISECONDS));
        this.client = RaftClient.newBuilder().setProperties(properties).setRaftGroup(group)
                .setRetryPolicy(RetryPolicies.noRetry()).build();
        // Ratis's group info call blocks (bounded by its deadline); a thread per call in flight, so
        // that a voter cut off by a dropping firewall never holds up the answers of the others
        this.callers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "quorum-probe-" + selfId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Every voter's answer that arrived within the deadline, this node's own first when it votes. */
    CompletableFuture<List<QuorumMemberState>> describeVoters() {
        List<CompletableFuture<Optional<QuorumMemberState>>> calls = new ArrayList<>();
        for (RaftPeer voter : voters()) {
            if (isSelf(voter)) {
                calls.add(CompletableFuture.completedFuture(describeSelf()));
            } else {
                calls.add(CompletableFuture.supplyAsync(() -> describe(voter), callers)
                        .completeOnTimeout(Optional.empty(), timeoutMs, TimeUnit.MILLISECONDS));
            }
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<QuorumMemberState> answers = new ArrayList<>();
            calls.forEach(call -> call.join().ifPresent(answers::add));
            return answers;
        });
    }

    private Optional<QuorumMemberState> describeSelf() {
        try {
            return Optional.of(self.get());
        } catch (RuntimeException stopped) { // the member's server is closing
            LOG.debug("node {}: its own quorum member did not describe itself: {}", selfId, stopped.toString());
            return Optional.empty();
        }
    }

    private Optional<QuorumMemberState> describe(RaftPeer voter) {
        int nodeId = MetadataQuorum.nodeIdOf(voter.getId().toString()).orElseThrow();
        try {
            GroupInfoReply info = client.getGroupManagementApi(voter.getId()).info(group.getGroupId());
            if (!info.isSuccess() || info.getRoleInfoProto() == null) {
                return Optional.empty();
            }
            return Optional.of(stateOf(nodeId, info.getRoleInfoProto(), info.getLogInfoProto()));
        } catch (IOException | RuntimeException noAnswer) {
            LOG.debug("node {}: quorum member {} did not describe itself: {}", selfId, nodeId, noAnswer.toString());
            return Optional.empty();
        }
    }

    private List<RaftPeer> voters() {
        return group.getPeers().stream().filter(p -> p.getStartupRole() != RaftPeerRole.LISTENER).toList();
    }

    private boolean isSelf(RaftPeer peer) {
        return peer.getId().equals(MetadataQuorum.peerId(selfId));
    }

    @Override
    public void close() {
        callers.shutdownNow();
        try {
            client.close();
        } catch (IOException e) {
            LOG.warn("node {}: closing the quorum probe client failed", selfId, e);
        }
    }

    /**
     * From Ratis's group info. A leader is ready once it has applied an entry of its own term (the
     * entry each new leader appends first), which is when Ratis reports it ready and our controller
     * starts answering heartbeats; without that record in the log info it counts as ready, which
     * only ever stops a lease from being extended.
     */
    static QuorumMemberState stateOf(int nodeId, RoleInfoProto roleInfo, LogInfoProto logInfo) {
        RaftPeerRole role = roleInfo.getRole();
        switch (role) {
            case LEADER -> {
                long term = roleInfo.getLeaderInfo().getTerm();
                boolean knowsApplied = logInfo != null && logInfo.hasApplied() && term > 0;
                return QuorumMemberState.leader(nodeId, !knowsApplied || logInfo.getApplied().getTerm() >= term);
            }
            case CANDIDATE -> {
                return QuorumMemberState.candidate(nodeId, roleInfo.getCandidateInfo().getLastLeaderElapsedTimeMs());
            }
            case FOLLOWER, LISTENER -> {
                ServerRpcProto leaderInfo = roleInfo.getFollowerInfo().getLeaderInfo();
                OptionalInt leader = leaderInfo.hasId()
                        ? MetadataQuorum.nodeIdOf(leaderInfo.getId().getId().toStringUtf8()) : OptionalInt.empty();
                QuorumMemberState.Role as = role == RaftPeerRole.FOLLOWER ? QuorumMemberState.Role.FOLLOWER
                        : QuorumMemberState.Role.LISTENER;
                return new QuorumMemberState(nodeId, as, false, leader, leaderInfo.getLastRpcElapsedTimeMs());
            }
            default -> throw new IllegalArgumentException("node " + nodeId + " reported an unknown role " + role);
        }
    }
}
