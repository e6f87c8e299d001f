package io.tributary.metadata;

import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
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
 */
public final class MetadataQuorum implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataQuorum.class);

    /** The one Raft group of the metadata quorum; constant so every node and restart agrees. */
    public static final RaftGroupId GROUP_ID =
            RaftGroupId.valueOf(UUID.nameUUIDFromBytes("tributary-metadata".getBytes(StandardCharsets.UTF_8)));
    static final String METADATA_DIR = "metadata";
    static final String CLUSTER_ID_FILE = "cluster.id";
    private static final long SINGLE_VOTER_LEADER_WAIT_MS = 30_000;

    private final QuorumConfig config;
    private final RaftServer server;
    private final RaftClient client;
    private final MetadataStateMachine stateMachine;
    private final RaftServer.Division division;

    private MetadataQuorum(QuorumConfig config, RaftServer server, RaftClient client,
                           MetadataStateMachine stateMachine) throws IOException {
        this.config = config;
        this.server = server;
        this.client = client;
        this.stateMachine = stateMachine;
        this.division = server.getDivision(GROUP_ID);
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
        RaftGroup group = RaftGroup.valueOf(GROUP_ID,
                config.voters().stream().map(MetadataQuorum::toRaftPeer).collect(Collectors.toList()));
        RaftProperties properties = raftProperties(config, metadataDir);
        MetadataStateMachine stateMachine = new MetadataStateMachine(config.nodeId(), clusterId);
        boolean formed = Files.isDirectory(metadataDir.resolve(GROUP_ID.getUuid().toString()));
        RaftServer server = RaftServer.newBuilder()
                .setServerId(peerId(config.nodeId()))
                .setGroup(group)
                .setStateMachine(stateMachine)
                .setProperties(properties)
                .setOption(formed ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                .build();
        server.start();
        RaftClient client = null;
        try {
            client = RaftClient.newBuilder()
                    .setProperties(properties)
                    .setRaftGroup(group)
                    .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                            100, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                    .build();
            MetadataQuorum quorum = new MetadataQuorum(config, server, client, stateMachine);
            if (config.voters().size() == 1) {
                quorum.awaitLeaderReady(SINGLE_VOTER_LEADER_WAIT_MS);
            }
            LOG.info("metadata quorum node {} started ({} voters, cluster id {}, {} data dir)", config.nodeId(),
                    config.voters().size(), clusterId, formed ? "existing" : "new");
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
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(400, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(800, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(500, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        // Snapshot every snapshotThresholdEntries applied entries and purge the log behind it. The
        // segment size follows the threshold so that whole segments fall behind each snapshot.
        long threshold = config.snapshotThresholdEntries();
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, threshold);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(threshold, 1024));
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

    private static RaftPeer toRaftPeer(QuorumPeer peer) {
        return RaftPeer.newBuilder().setId(peerId(peer.id())).setAddress(peer.address()).build();
    }

    /**
     * Submits a command to the leader through Ratis. Completes with the result once the command's
     * log entry is applied (error_code 0 = NONE; a rejected command carries its ErrorCode and
     * changed nothing). Completes exceptionally when the quorum could not be reached or did not
     * answer in time: the command may or may not have been applied (INDEFINITE).
     */
    public CompletableFuture<MetadataCommandResult> submit(MetadataCommand command) {
        return client.async().send(Message.valueOf(ByteString.copyFrom(command.toByteArray())))
                .thenApply(MetadataQuorum::resultOf);
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

    /** The active controller's node id, if known. */
    public OptionalInt leaderId() {
        RaftPeerId leader = division.getInfo().isLeader() ? division.getId() : division.getInfo().getLeaderId();
        if (leader == null) {
            leader = stateMachine.leaderId();
        }
        if (leader == null) {
            return OptionalInt.empty();
        }
        String id = leader.toString();
        try {
            return OptionalInt.of(Integer.parseInt(id.substring(1)));
        } catch (RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    public int nodeId() {
        return config.nodeId();
    }

    /** The Ratis division, for tests and diagnostics (log start index, snapshot index). */
    RaftServer.Division division() {
        return division;
    }

    @Override
    public void close() {
        closeQuietly(client, server);
        LOG.info("metadata quorum node {} closed", config.nodeId());
    }

    private static void closeQuietly(RaftClient client, RaftServer server) {
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
