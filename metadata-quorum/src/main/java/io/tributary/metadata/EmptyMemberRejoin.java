package io.tributary.metadata;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A quorum member that starts with an empty metadata directory while the group lives on at the
 * other members: its disk was lost or replaced. It must not simply start as the member it was.
 * It forgot the votes it cast (a second vote in a term it already voted in can elect two
 * leaders), and Ratis 3.3's leader keeps the match index it had for it and never resends the log
 * from the start while the log is idle (RATIS-2523), so it would never catch up.
 *
 * <p>So it leaves and joins again, as KIP-853 has a voter with a new directory id do: before its
 * server starts, the leader commits a configuration without it (forgetting what it knew of it);
 * then its server starts empty and the leader commits the full configuration again, bringing it
 * up to date first (Ratis catches a new member up before it counts). Its old votes cannot matter
 * any more: they were cast in terms of a configuration it has left. Between the two it is not in
 * the leader's configuration; pre-vote (Ratis's default) keeps its election timeouts from
 * disturbing the others.
 */
final class EmptyMemberRejoin {
    private static final Logger LOG = LoggerFactory.getLogger(EmptyMemberRejoin.class);
    private static final long ATTEMPT_TIMEOUT_MS = 3_000;
    private static final long RETRY_PAUSE_MS = 500;
    private static final long REPORT_EVERY_MS = 30_000;

    /** Present from before {@link #leave} until the node has recorded what it lost ({@link #forget}). */
    static final String PENDING_FILE = "rejoin.pending";

    private final QuorumConfig config;
    private final RaftGroup group;
    private final RaftProperties properties;
    private final Path pendingFile;

    EmptyMemberRejoin(QuorumConfig config, RaftGroup group, RaftProperties serverProperties, Path metadataDir) {
        this.config = config;
        this.pendingFile = metadataDir.resolve(PENDING_FILE);
        this.group = group;
        this.properties = new RaftProperties(serverProperties);
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(ATTEMPT_TIMEOUT_MS, TimeUnit.MILLISECONDS));
    }

    /**
     * Whether another member holds the group with committed entries. Members that do not answer
     * are skipped: when none answers (a whole cluster starting for the first time, or every other
     * member down) the node starts as a new member, as a first start must.
     */
    boolean groupExistsElsewhere() {
        try (RaftClient client = client()) {
            for (RaftPeer peer : group.getPeers()) {
                if (peer.getId().equals(self())) {
                    continue;
                }
                try {
                    GroupInfoReply info = client.getGroupManagementApi(peer.getId()).info(group.getGroupId());
                    if (info.isSuccess() && info.getLogInfoProto().getCommitted().getIndex() > 0) {
                        LOG.info("node {}: its metadata directory is empty but {} holds the metadata log up to index {}:"
                                + " it rejoins as a new member", config.nodeId(), peer.getId(),
                                info.getLogInfoProto().getCommitted().getIndex());
                        return true;
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.debug("node {}: {} did not describe the group: {}", config.nodeId(), peer.getId(), e.toString());
                }
            }
            return false;
        } catch (IOException e) {
            LOG.debug("node {}: closing the probe client failed: {}", config.nodeId(), e.toString());
            return false;
        }
    }

    /**
     * Whether an earlier start began a rejoin that did not finish, or whose losses the node has not
     * recorded yet: a crash between the steps must not leave the member out of the configuration,
     * nor let its broker trust a disk it found empty.
     */
    boolean pending() {
        return Files.exists(pendingFile);
    }

    /** The node has recorded what it lost (its broker marked every replica it had): the rejoin is over. */
    void forget() throws IOException {
        if (Files.deleteIfExists(pendingFile)) {
            AtomicFiles.fsyncDirectory(pendingFile.getParent());
        }
    }

    /** Before this member's server starts: the leader commits a configuration without it. */
    void leave() throws IOException {
        AtomicFiles.write(pendingFile, java.nio.ByteBuffer.wrap("rejoin\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        boolean isVoter = voters().stream().anyMatch(p -> p.getId().equals(self()));
        try (RaftClient client = client()) {
            untilDone("leaving the metadata quorum's configuration", () -> setConfiguration(client,
                    isVoter ? without(voters()) : voters(), isVoter ? listeners() : without(listeners())));
        }
    }

    /**
     * Once this member's server runs (empty, formatted with the group): the leader commits the
     * full configuration again, catching the member up first.
     */
    void join() throws IOException {
        try (RaftClient client = client()) {
            untilDone("joining the metadata quorum's configuration again",
                    () -> setConfiguration(client, voters(), listeners()));
        }
        LOG.info("node {}: rejoined the metadata quorum with an empty log; the leader brought it up to date",
                config.nodeId());
    }

    private List<RaftPeer> voters() {
        return group.getPeers().stream().filter(p -> p.getStartupRole() != RaftPeerRole.LISTENER).toList();
    }

    private List<RaftPeer> listeners() {
        return group.getPeers().stream().filter(p -> p.getStartupRole() == RaftPeerRole.LISTENER).toList();
    }

    private List<RaftPeer> without(List<RaftPeer> peers) {
        return peers.stream().filter(p -> !p.getId().equals(self())).toList();
    }

    private interface Attempt {
        void run() throws IOException;
    }

    private void untilDone(String step, Attempt attempt) throws IOException {
        long start = System.nanoTime();
        long lastReport = start;
        while (true) {
            try {
                attempt.run();
                return;
            } catch (IOException | RuntimeException e) {
                long now = System.nanoTime();
                if (TimeUnit.NANOSECONDS.toMillis(now - lastReport) >= REPORT_EVERY_MS) {
                    LOG.warn("node {} still waits for {} after {} s (last attempt: {}): is the metadata quorum"
                            + " reachable? It keeps trying", config.nodeId(), step,
                            TimeUnit.NANOSECONDS.toSeconds(now - start), e.toString());
                    lastReport = now;
                }
            }
            try {
                Thread.sleep(RETRY_PAUSE_MS); // a back-off between attempts, not a wait for an event
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while " + step);
            }
        }
    }

    private static void setConfiguration(RaftClient client, List<RaftPeer> voters, List<RaftPeer> listeners)
            throws IOException {
        RaftClientReply reply = client.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(voters).setListenersInNewConf(listeners).build());
        if (!reply.isSuccess()) {
            throw reply.getException() != null ? reply.getException()
                    : new IOException("setConfiguration failed: " + reply);
        }
    }


    private RaftPeerId self() {
        return MetadataQuorum.peerId(config.nodeId());
    }

    /** A client that tries each request a few times (the caller repeats), so no call blocks for long. */
    private RaftClient client() {
        return RaftClient.newBuilder().setProperties(properties).setRaftGroup(group)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(3,
                        TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                .build();
    }
}
