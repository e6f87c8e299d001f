package io.tributary.metadata;

import io.tributary.proto.metadata.v1.ControlledShutdownCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.v1.BrokerHeartbeatRequest;
import io.tributary.proto.v1.ControllerQuery;
import io.tributary.proto.v1.BrokerHeartbeatResponse;
import io.tributary.proto.v1.ControlledShutdownRequest;
import io.tributary.proto.v1.ControlledShutdownResponse;
import io.tributary.proto.v1.ErrorCode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of the metadata quorum: a Ratis server running the {@link MetadataStateMachine} over
 * gRPC on this voter's host:port, with its log and snapshots under {@code dataDir/metadata}, and a
 * Ratis client to submit commands (routed to the leader, the active controller).
 *
 * <p>While this node is the Raft leader it is the <b>active controller</b>: it holds the broker
 * leases ({@link BrokerHeartbeatManager}, in memory, reset with a full session of grace on each
 * new term), answers broker heartbeats and controlled-shutdown requests, and a single thread ticks
 * every {@value #CONTROLLER_TICK_MS} ms to fence brokers whose lease expired (a FenceBrokerCommand
 * through the log) and to elect leaders for partitions left leaderless although a replica could
 * lead (an ElectLeaderlessCommand). Decisions are the pure control managers'; this class only does the I/O.
 *
 * <p>A node among {@link QuorumConfig#listeners()} (a broker-only node) runs the same server and
 * state machine as a Ratis LISTENER: it receives and applies every entry (or the leader's
 * snapshot), serves {@link #image()}, listeners, {@link #awaitCaughtUp()} and {@link #submit}
 * (through its client, to the leader), but never votes, never leads, and does not count towards
 * the quorum; {@link #isLeader()} is always false there.
 */
public final class MetadataQuorum implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataQuorum.class);

    /** The one Raft group of the metadata quorum; constant so every node and restart agrees. */
    public static final RaftGroupId GROUP_ID =
            RaftGroupId.valueOf(UUID.nameUUIDFromBytes("tributary-metadata".getBytes(StandardCharsets.UTF_8)));
    static final String METADATA_DIR = "metadata";
    static final String CLUSTER_ID_FILE = "cluster.id";
    private static final long SINGLE_VOTER_LEADER_WAIT_MS = 30_000;
    /** How often the active controller looks for expired broker leases. */
    public static final long CONTROLLER_TICK_MS = 100;
    private static final long COMMAND_TIMEOUT_MS = 5_000;
    static final long CLIENT_RPC_TIMEOUT_MS = 500;
    /**
     * A follower that has not heard from its leader for this long may start an election (Raft's
     * minimum election timeout); a leader reaches its followers at least twice as often.
     */
    public static final long ELECTION_TIMEOUT_MIN_MS = 400;
    /** How long a probe of the voters ({@link #describeVoters}) waits for each answer. */
    static final long MEMBER_PROBE_TIMEOUT_MS = 200;
    /** Producer ids per AllocateProducerIdsCommand block. */
    public static final int PRODUCER_ID_BLOCK_SIZE = ProducerIdControlManager.BLOCK_SIZE;

    private final QuorumConfig config;
    private final RaftServer server;
    private final QuorumClient client;
    private final MetadataStateMachine stateMachine;
    private final RaftServer.Division division;
    private final BrokerHeartbeatManager leases; // guarded by itself
    private final ControllerTick controllerTick; // controller thread only; reads leases under their lock
    private long activeTerm = -1; // the term leases were activated for; guarded by leases
    private final Map<String, CompletableFuture<MetadataCommandResult>> brokerCommandsInFlight =
            new ConcurrentHashMap<>();
    private final ScheduledExecutorService controllerThread;
    private final ClientId localClientId = ClientId.randomId();
    private final EmptyMemberRejoin rejoined; // null unless this node started after losing its log
    private final AtomicLong localCallIds = new AtomicLong();
    private final QuorumMemberProbe memberProbe;

    private MetadataQuorum(QuorumConfig config, RaftServer server, QuorumClient client,
                           MetadataStateMachine stateMachine, EmptyMemberRejoin rejoined, RaftGroup group,
                           RaftProperties properties) throws IOException {
        this.config = config;
        this.rejoined = rejoined;
        this.server = server;
        this.client = client;
        this.stateMachine = stateMachine;
        stateMachine.setControllerQueryHandler(this::answerControllerQuery);
        this.division = server.getDivision(GROUP_ID);
        this.leases = new BrokerHeartbeatManager(config.brokerSessionTimeoutMs());
        this.controllerTick = new ControllerTick(leases);
        this.memberProbe = new QuorumMemberProbe(config.nodeId(), group, properties, this::ownMemberState,
                MEMBER_PROBE_TIMEOUT_MS);
        this.controllerThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metadata-controller-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts this node's Raft server and client. With a single voter, returns once this node is
     * the leader and has applied everything in its log; with several, returns at once (the
     * others may not be up yet).
     */
    public static MetadataQuorum start(QuorumConfig config) throws IOException {
        Path metadataDir = config.dataDir().resolve(METADATA_DIR);
        Files.createDirectories(metadataDir);
        String clusterId = loadOrCreateClusterId(metadataDir.resolve(CLUSTER_ID_FILE), config);
        RaftGroup group = raftGroup(config);
        RaftProperties properties = raftProperties(config, metadataDir);
        MetadataStateMachine stateMachine = new MetadataStateMachine(config.nodeId(), clusterId);
        boolean formed = Files.isDirectory(metadataDir.resolve(GROUP_ID.getUuid().toString()));
        EmptyMemberRejoin rejoin = new EmptyMemberRejoin(config, group, properties, metadataDir);
        boolean lostItsLog = rejoin.pending()
                || !formed && group.getPeers().size() > 1 && rejoin.groupExistsElsewhere();
        if (lostItsLog) {
            rejoin.leave();
        }
        RaftServer server = RaftServer.newBuilder()
                .setServerId(peerId(config.nodeId()))
                .setGroup(group)
                .setStateMachine(stateMachine)
                .setProperties(properties)
                .setOption(formed ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                .build();
        server.start();
        QuorumClient client = null;
        try {
            if (lostItsLog) {
                rejoin.join();
            }
            client = new QuorumClient(properties, group, QuorumClient.REQUEST_LIFETIME_MS);
            MetadataQuorum quorum = new MetadataQuorum(config, server, client, stateMachine, lostItsLog ? rejoin : null,
                    group, properties);
            if (config.voters().size() == 1 && !config.isListener()) {
                quorum.awaitLeaderReady(SINGLE_VOTER_LEADER_WAIT_MS);
            }
            quorum.controllerThread.scheduleWithFixedDelay(quorum::tick, CONTROLLER_TICK_MS, CONTROLLER_TICK_MS,
                    TimeUnit.MILLISECONDS);
            LOG.info("metadata quorum node {} started as a {} ({} voters, {} listeners, cluster id {}, {} data dir)",
                    config.nodeId(), config.isListener() ? "listener" : "voter", config.voters().size(),
                    config.listeners().size(), clusterId, lostItsLog ? "lost and rejoined" : formed ? "existing" : "new");
            return quorum;
        } catch (IOException | RuntimeException e) {
            closeQuietly(client, server);
            throw e;
        }
    }

    private void awaitLeaderReady(long timeoutMs) throws IOException {
        try {
            stateMachine.leaderReady().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for metadata leadership");
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("node " + config.nodeId() + " did not become metadata leader within "
                    + timeoutMs + " ms", e);
        }
    }

    static RaftProperties raftProperties(QuorumConfig config, Path metadataDir) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(metadataDir.toFile()));
        GrpcConfigKeys.Server.setHost(p, config.self().host());
        GrpcConfigKeys.Server.setPort(p, config.self().port());
        // Loopback/LAN timeouts: elect within about a second, fail requests after a few.
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(ELECTION_TIMEOUT_MIN_MS, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(800, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(500, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        // A client request to a leader that died or paused waits this long before the client tries
        // another peer: it must fit well inside a broker session (1 s), or a broker whose
        // heartbeat sits on the old leader is fenced by the new one. A slow answer is only resent
        // (the leader's retry cache keeps it once).
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(CLIENT_RPC_TIMEOUT_MS, TimeUnit.MILLISECONDS));
        // The leader's appender sleeps between attempts at a follower by its count of errors in a row,
        // and an INCONSISTENCY answer counts as one: with Ratis's default (5 s once 30 errors have
        // piled up, as they do while a follower is down for a few seconds) a restarted voter got its
        // first entries 14-18 s after it was back. At most 300 ms keeps a restart to seconds and a
        // dead follower to a few cheap attempts a second.
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, "1ms,10, 100ms,50, 300ms,1000");
        // Snapshot every snapshotThresholdEntries applied entries and purge the log behind it. The
        // segment size follows the threshold so that whole segments fall behind each snapshot.
        long threshold = config.snapshotThresholdEntries();
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, threshold);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(threshold, 1024));
        // Purge behind the snapshot even while a voter is down or far behind (Ratis's default keeps
        // the log back to the slowest peer's commit index, unbounded while one is stopped); keep
        // one threshold of entries so that briefly lagging followers still catch up from the log.
        // A follower behind the log start gets the snapshot (InstallSnapshot chunks, then
        // MetadataStateMachine.reinitialize).
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, Math.min(threshold, 1024));
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
        long segmentBytes = Math.max(16 * 1024, Math.min(8L * 1024 * 1024, threshold * 256));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(segmentBytes));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(segmentBytes, 1024 * 1024)));
        return p;
    }

    /** The cluster id stored in the data dir, or (first formation) the configured or derived one, stored. */
    static String loadOrCreateClusterId(Path file, QuorumConfig config) throws IOException {
        if (Files.exists(file)) {
            String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (config.clusterId() != null && !config.clusterId().equals(stored)) {
                LOG.warn("configured cluster id {} differs from the stored {}; keeping the stored one",
                        config.clusterId(), stored);
            }
            return stored;
        }
        String clusterId = config.clusterId() != null ? config.clusterId() : deriveClusterId(config.voters());
        AtomicFiles.write(file, ByteBuffer.wrap((clusterId + "\n").getBytes(StandardCharsets.UTF_8)));
        return clusterId;
    }

    /** A stable id from the Raft group and the voter set, written as Kafka writes cluster ids. */
    static String deriveClusterId(List<QuorumPeer> voters) {
        String source = GROUP_ID.getUuid() + "|" + voters.stream().sorted(Comparator.comparingInt(QuorumPeer::id))
                .map(v -> v.id() + "@" + v.address()).collect(Collectors.joining(","));
        UUID uuid = UUID.nameUUIDFromBytes(source.getBytes(StandardCharsets.UTF_8));
        ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf("n" + nodeId);
    }

    /**
     * The voters, then the listeners with startup role LISTENER. Ratis takes a node's role from
     * this group when it formats its storage, and from the configuration entry in its log after.
     */
    static RaftGroup raftGroup(QuorumConfig config) {
        List<RaftPeer> peers = new ArrayList<>();
        config.voters().forEach(v -> peers.add(toRaftPeer(v, RaftPeerRole.FOLLOWER)));
        config.listeners().forEach(l -> peers.add(toRaftPeer(l, RaftPeerRole.LISTENER)));
        return RaftGroup.valueOf(GROUP_ID, peers);
    }

    private static RaftPeer toRaftPeer(QuorumPeer peer, RaftPeerRole role) {
        return RaftPeer.newBuilder().setId(peerId(peer.id())).setAddress(peer.address()).setStartupRole(role).build();
    }

    /**
     * Submits a command to the leader through Ratis. Completes with the result once the command's
     * log entry is applied (error_code 0 = NONE; a rejected command carries its ErrorCode and
     * changed nothing). Completes exceptionally with {@link QuorumNoAnswerException} when the
     * quorum could not be reached or did not answer in time: the command may or may not have been
     * applied (INDEFINITE); with {@link QuorumUnavailableException} when it was not sent at all.
     */
    public CompletableFuture<MetadataCommandResult> submit(MetadataCommand command) {
        Message message = Message.valueOf(ByteString.copyFrom(command.toByteArray()));
        if (isLeader()) {
            return submitToThisLeader(message).thenApply(MetadataQuorum::resultOf);
        }
        return client.write(message).thenApply(MetadataQuorum::resultOf);
    }

    /**
     * Appends straight to this node's own division. The client would send it to the leader it last
     * knew: right after an election that is often the old one, and a paused or cut-off old leader
     * holds the request for a whole RPC timeout, enough to stall the new controller's first fence.
     * A leadership lost meanwhile fails the request (NotLeaderException); the caller retries.
     */
    private CompletableFuture<RaftClientReply> submitToThisLeader(Message message) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(localClientId)
                .setServerId(division.getId())
                .setGroupId(GROUP_ID)
                .setCallId(localCallIds.incrementAndGet())
                .setMessage(message)
                .setType(RaftClientRequest.writeRequestType())
                .build();
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new QuorumNoAnswerException(e));
        }
        // As the client would answer: a request that was not applied here may be applied elsewhere.
        // Completed off the thread that applies the log, which must not run callers' callbacks.
        return reply.handleAsync((answer, failure) -> {
            if (failure != null) {
                throw new CompletionException(new QuorumNoAnswerException(
                        failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure));
            }
            if (!answer.isSuccess() && answer.getException() != null) {
                throw new CompletionException(new QuorumNoAnswerException(answer.getException()));
            }
            return answer;
        });
    }

    private static MetadataCommandResult resultOf(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw new CompletionException(reply.getException() != null ? reply.getException()
                    : new IOException("metadata command failed without an exception: " + reply));
        }
        try {
            return MetadataCommandResult.parseFrom(reply.getMessage().getContent().toByteArray());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new CompletionException(new IOException("unreadable metadata command result", e));
        }
    }

    /** The latest image applied on this node (followers may lag the leader briefly). */
    public MetadataImage image() {
        return stateMachine.image();
    }

    /** Called on the apply thread after each applied entry or snapshot load; must be quick. */
    public void addListener(Consumer<MetadataImage> listener) {
        stateMachine.addListener(listener);
    }

    /** Whether this node is the active controller (the Raft leader, ready to serve). */
    public boolean isLeader() {
        return division.getInfo().isLeader() && division.getInfo().isLeaderReady();
    }

    /** The metadata quorum's Raft term as this node knows it (each controller election raises it). */
    public long currentTerm() {
        return division.getInfo().getCurrentTerm();
    }

    /**
     * The node whose quorum member this node's member follows now (never this node), if it knows
     * one: after an election a member learns the new leader from its first append, sooner than a
     * Ratis client, which first retries the leader it last knew.
     */
    public OptionalInt followedLeader() {
        RaftPeerId leader = division.getInfo().getLeaderId();
        if (leader == null || leader.equals(division.getId())) {
            return OptionalInt.empty();
        }
        return nodeIdOf(leader.toString());
    }

    /**
     * Every voter's own account of the election that answered within {@value #MEMBER_PROBE_TIMEOUT_MS}
     * ms, asked at its Raft address; voters that did not answer are missing. A broker whose
     * heartbeats go unanswered uses it to tell an election under way from its own isolation.
     */
    public CompletableFuture<List<QuorumMemberState>> describeVoters() {
        return memberProbe.describeVoters();
    }

    /** The node ids of the metadata quorum's voters. */
    public java.util.Set<Integer> voterIds() {
        return config.voters().stream().map(QuorumPeer::id).collect(Collectors.toUnmodifiableSet());
    }

    private QuorumMemberState ownMemberState() {
        if (division.getInfo().isLeader()) {
            return QuorumMemberState.leader(nodeId(), division.getInfo().isLeaderReady());
        }
        return QuorumMemberProbe.stateOf(nodeId(), division.getInfo().getRoleInfoProto(), null);
    }

    /** The active controller's node id, if known. */
    public OptionalInt leaderId() {
        RaftPeerId leader = division.getInfo().isLeader() ? division.getId() : division.getInfo().getLeaderId();
        if (leader == null) {
            leader = stateMachine.leaderId();
        }
        if (leader == null) {
            return OptionalInt.empty();
        }
        return nodeIdOf(leader.toString());
    }

    /** The node id in a quorum member's Ratis peer id ("n3" is node 3); empty for anything else. */
    static OptionalInt nodeIdOf(String peerId) {
        try {
            return peerId.startsWith("n") ? OptionalInt.of(Integer.parseInt(peerId.substring(1))) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    public int nodeId() {
        return config.nodeId();
    }

    /**
     * Whether this node started with an empty metadata directory while the quorum already existed:
     * its disk was lost or replaced, so whatever its broker side finds on disk may lack records
     * that were committed ({@link EmptyMemberRejoin}).
     */
    public boolean lostItsLog() {
        return rejoined != null;
    }

    /**
     * The node has durably recorded what losing its log means for it (its broker marked every
     * replica it had as lost); until then every start reports {@link #lostItsLog()} again.
     */
    public void lostLogRecorded() throws IOException {
        if (rejoined != null) {
            rejoined.forget();
        }
    }

    /** The Ratis division, for tests and diagnostics (log start index, snapshot index). */
    RaftServer.Division division() {
        return division;
    }

    // ---- the active controller ----

    /**
     * One controller tick ({@link ControllerTick} decides): when active, fence the brokers whose
     * lease expired, one at a time, then elect leaders where a partition is leaderless although a
     * replica could lead. Blocks this (dedicated) thread on the quorum; never throws.
     */
    void tick() {
        try {
            if (!isLeader()) {
                synchronized (leases) {
                    activeTerm = -1;
                }
                return;
            }
            long stalledMs;
            synchronized (leases) {
                stalledMs = controllerTick.begin(activeAt(config.clockMs().getAsLong()));
            }
            if (stalledMs > 0) {
                LOG.warn("node {}: the controller did not run for {} ms (this process or machine paused): that time is"
                        + " not counted against any broker's session", nodeId(), stalledMs);
            }
            while (isLeader()) {
                Optional<MetadataCommand> next;
                synchronized (leases) {
                    next = controllerTick.nextCommand(image(), activeAt(config.clockMs().getAsLong()));
                }
                if (next.isEmpty()) {
                    return;
                }
                logTickCommand(next.get());
                MetadataCommandResult result = submit(next.get()).get(COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                if (result.getErrorCode() != 0) {
                    LOG.info("node {}: {} answered {}: {}", nodeId(), next.get().getCommandCase(),
                            ErrorCode.forNumber(result.getErrorCode()), result.getErrorMessage());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("node {}: controller tick failed; retrying on the next one: {}", nodeId(), e.toString());
        } finally {
            controllerTick.end(config.clockMs().getAsLong()); // also on a follower: its first tick as leader is no stall
        }
    }

    private void logTickCommand(MetadataCommand command) {
        if (command.hasFenceBroker()) {
            LOG.info("node {}: broker {} (epoch {}) sent no heartbeat for {} ms; fencing it", nodeId(),
                    command.getFenceBroker().getBrokerId(), command.getFenceBroker().getBrokerEpoch(),
                    config.brokerSessionTimeoutMs());
        } else {
            LOG.info("node {}: electing leaders for leaderless partitions", nodeId());
        }
    }

    /** Activates the leases on a new term (a full session of grace for every broker); returns nowMs. */
    private long activeAt(long nowMs) {
        long term = division.getInfo().getCurrentTerm();
        if (term != activeTerm) {
            leases.activate(nowMs);
            activeTerm = term;
            LOG.info("node {}: active controller for term {}; broker leases start now", nodeId(), term);
        }
        return nowMs;
    }

    /**
     * Sends a broker heartbeat to the active controller wherever it is: handled here when this
     * node leads, else carried by the Ratis client (which finds the leader) as a read-only query,
     * so brokers need no controller address; unordered, so it never waits behind this node's other
     * requests. Completes exceptionally if no leader answers.
     */
    public CompletableFuture<BrokerHeartbeatResponse> sendBrokerHeartbeat(BrokerHeartbeatRequest request) {
        if (isLeader()) {
            return handleBrokerHeartbeat(request);
        }
        Message query = Message.valueOf(org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(
                ControllerQuery.newBuilder().setBrokerHeartbeat(request).build().toByteArray()));
        return client.readUnordered(query).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new CompletionException(reply.getException() != null ? reply.getException()
                        : new IOException("heartbeat query failed: " + reply));
            }
            try {
                return BrokerHeartbeatResponse.parseFrom(reply.getMessage().getContent().toByteArray());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new CompletionException(e);
            }
        });
    }

    private CompletableFuture<byte[]> answerControllerQuery(ControllerQuery query) {
        if (query.hasBrokerHeartbeat()) {
            return handleBrokerHeartbeat(query.getBrokerHeartbeat()).thenApply(BrokerHeartbeatResponse::toByteArray);
        }
        return CompletableFuture.failedFuture(new IllegalArgumentException("empty controller query"));
    }

    /**
     * Handles a broker heartbeat on the active controller: renews the lease and, when the broker
     * is fenced and caught up (metadata_offset &gt;= its broker epoch), unfences it and answers once
     * that is applied; with want_shutdown, moves its leadership away (controlled shutdown) and sets
     * should_shutdown once it leads nothing. On another node: NOT_CONTROLLER (the controller hint
     * is left for the caller to fill from the image). Unknown broker or stale epoch: INVALID_REQUEST.
     */
    public CompletableFuture<BrokerHeartbeatResponse> handleBrokerHeartbeat(BrokerHeartbeatRequest request) {
        if (!isLeader()) {
            return CompletableFuture.completedFuture(BrokerHeartbeatResponse.newBuilder()
                    .setErrorCode(ErrorCode.NOT_CONTROLLER).setErrorMessage(notControllerMessage()).build());
        }
        MetadataImage image = image();
        Optional<BrokerHeartbeatResponse> error = BrokerControlManager.heartbeatError(image, request);
        if (error.isPresent()) {
            return CompletableFuture.completedFuture(error.get());
        }
        long firstAfterMs;
        synchronized (leases) {
            firstAfterMs = leases.touch(request.getBrokerId(), request.getBrokerEpoch(),
                    activeAt(config.clockMs().getAsLong()));
        }
        if (firstAfterMs >= 0) {
            // after an election: how long the broker took to find this controller (its lease may lapse meanwhile)
            LOG.info("node {}: first heartbeat of broker {} as active controller, {} ms after taking over", nodeId(),
                    request.getBrokerId(), firstAfterMs);
        }
        Optional<MetadataCommand> command = BrokerControlManager.heartbeatCommand(image, request);
        if (command.isEmpty()) {
            return CompletableFuture.completedFuture(BrokerControlManager.heartbeatResponse(image, request));
        }
        return submitForBroker(request.getBrokerId(), command.get())
                .thenCompose(result -> stateMachine.awaitApplied(result.getLogIndex()))
                .thenApply(v -> BrokerControlManager.heartbeatResponse(image(), request))
                .exceptionally(e -> isLeader() ? BrokerControlManager.heartbeatResponse(image(), request)
                        : BrokerHeartbeatResponse.newBuilder().setErrorCode(ErrorCode.NOT_CONTROLLER)
                        .setErrorMessage(notControllerMessage()).build());
    }

    /**
     * Handles a controlled-shutdown request on the active controller: moves every leadership of
     * the broker away, marks it shutting down and fences it; answers once applied, with the
     * leaderships it still has (0 when it may stop). Errors as {@link #handleBrokerHeartbeat}.
     */
    public CompletableFuture<ControlledShutdownResponse> handleControlledShutdown(ControlledShutdownRequest request) {
        if (!isLeader()) {
            return CompletableFuture.completedFuture(ControlledShutdownResponse.newBuilder()
                    .setErrorCode(ErrorCode.NOT_CONTROLLER).setErrorMessage(notControllerMessage()).build());
        }
        MetadataImage image = image();
        Optional<MetadataCommandResult> error = BrokerControlManager.epochError(image, request.getBrokerId(),
                request.getBrokerEpoch());
        if (error.isPresent()) {
            return CompletableFuture.completedFuture(ControlledShutdownResponse.newBuilder()
                    .setErrorCode(ErrorCode.forNumber(error.get().getErrorCode()))
                    .setErrorMessage(error.get().getErrorMessage()).build());
        }
        MetadataCommand command = MetadataCommand.newBuilder().setControlledShutdown(ControlledShutdownCommand
                .newBuilder().setBrokerId(request.getBrokerId()).setBrokerEpoch(request.getBrokerEpoch())).build();
        return submitForBroker(request.getBrokerId(), command)
                .thenCompose(result -> stateMachine.awaitApplied(result.getLogIndex()).thenApply(v -> result))
                .thenApply(result -> ControlledShutdownResponse.newBuilder()
                        .setErrorCode(ErrorCode.forNumber(result.getErrorCode()))
                        .setErrorMessage(result.getErrorMessage())
                        .setRemainingLeaderships(image().leaderships(request.getBrokerId())).build())
                .exceptionally(e -> ControlledShutdownResponse.newBuilder()
                        .setErrorCode(isLeader() ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NOT_CONTROLLER)
                        .setErrorMessage(isLeader() ? "controlled shutdown did not complete: " + e.getMessage()
                                : notControllerMessage())
                        .setRemainingLeaderships(image().leaderships(request.getBrokerId())).build());
    }

    /** Submits a broker's command unless the same kind for that broker is in flight (then joins it). */
    private CompletableFuture<MetadataCommandResult> submitForBroker(int brokerId, MetadataCommand command) {
        String key = brokerId + "/" + command.getCommandCase();
        CompletableFuture<MetadataCommandResult> created = new CompletableFuture<>();
        CompletableFuture<MetadataCommandResult> existing = brokerCommandsInFlight.putIfAbsent(key, created);
        if (existing != null) {
            return existing;
        }
        submit(command).whenComplete((result, e) -> {
            brokerCommandsInFlight.remove(key, created);
            if (e != null) {
                created.completeExceptionally(e);
            } else {
                created.complete(result);
            }
        });
        return created;
    }

    private String notControllerMessage() {
        OptionalInt leader = leaderId();
        return "node " + nodeId() + " is not the active controller"
                + (leader.isPresent() ? "; node " + leader.getAsInt() + " is" : "; none is elected yet");
    }

    /**
     * Completes once this node has applied at least the quorum's commit index as of the call: on
     * the leader its own commit index; elsewhere the leader's applied index, asked through a
     * read-only Ratis query. Completes exceptionally if no leader answers within the client's
     * retries (about 10 s).
     */
    public CompletableFuture<Void> awaitCaughtUp() {
        if (division.getInfo().isLeader() && division.getInfo().isLeaderReady()) {
            return stateMachine.awaitApplied(division.getRaftLog().getLastCommittedIndex());
        }
        return client.read(Message.EMPTY).thenCompose(reply -> {
            if (!reply.isSuccess()) {
                throw new CompletionException(reply.getException() != null ? reply.getException()
                        : new IOException("commit index query failed: " + reply));
            }
            long leaderApplied = reply.getMessage().getContent().asReadOnlyByteBuffer().getLong();
            return stateMachine.awaitApplied(leaderApplied);
        });
    }

    /**
     * The quorum as this node sees it. The leader reports every voter's match index (from Ratis's
     * follower info) and lag; a follower knows only its own flushed index.
     */
    public QuorumStatus describeQuorum() {
        long commitIndex = division.getRaftLog().getLastCommittedIndex();
        Map<String, Long> matchIndexes = new HashMap<>();
        long ownIndex = division.getRaftLog().getFlushIndex();
        matchIndexes.put(peerId(nodeId()).toString(), ownIndex);
        if (division.getInfo().isLeader()) {
            RoleInfoProto role = division.getInfo().getRoleInfoProto();
            long[] matches = division.getInfo().getFollowerMatchIndices();
            List<ServerRpcProto> followers = role.hasLeaderInfo() ? role.getLeaderInfo().getFollowerInfoList()
                    : List.of();
            // Both lists come from the leader's log appenders in the same order.
            if (matches != null && matches.length == followers.size()) {
                for (int i = 0; i < matches.length; i++) {
                    matchIndexes.put(followers.get(i).getId().getId().toStringUtf8(), matches[i]);
                }
            }
        }
        List<VoterStatus> voters = new ArrayList<>();
        for (QuorumPeer peer : config.voters()) {
            Long match = matchIndexes.get(peerId(peer.id()).toString());
            long matchIndex = match == null ? -1 : match;
            long lag = match == null ? -1 : Math.max(0, commitIndex - matchIndex);
            voters.add(new VoterStatus(peer.id(), peer.host(), peer.port(), matchIndex, lag));
        }
        return new QuorumStatus(leaderId(), division.getInfo().getCurrentTerm(), commitIndex, voters);
    }

    /**
     * Stops this node's Ratis server: it no longer votes, leads or writes the metadata log (its
     * image stays as last applied), while its client still reaches the quorum, so the broker can
     * still ask the active controller to move its leaderships away. For a node whose disk failed:
     * its server would otherwise keep persisting votes and log entries on the failing disk, and
     * Ratis 3.3 can then replace its term-and-vote file with an empty one (its atomic write renames
     * the partial temporary file when a write fails), after which the node cannot start again.
     */
    public void stopServer() {
        controllerThread.shutdownNow();
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("stopping the metadata Ratis server failed", e);
        }
        LOG.info("metadata quorum node {}: Ratis server stopped; the client still reaches the quorum", config.nodeId());
    }

    @Override
    public void close() {
        controllerThread.shutdownNow();
        memberProbe.close();
        closeQuietly(client, server);
        LOG.info("metadata quorum node {} closed", config.nodeId());
    }

    private static void closeQuietly(QuorumClient client, RaftServer server) {
        if (client != null) {
            try {
                client.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("closing the metadata Ratis client failed", e);
            }
        }
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the metadata Ratis server failed", e);
        }
    }
}
