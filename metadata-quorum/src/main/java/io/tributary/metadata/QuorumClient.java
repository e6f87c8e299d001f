package io.tributary.metadata;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.api.AsyncApi;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's Ratis client to the metadata quorum: it never blocks its caller and survives
 * requests that gave up.
 *
 * <p>Two properties of Ratis's ordered async client need handling. It blocks the calling thread
 * once its window of outstanding requests is full, which happens while no leader can be reached;
 * callers include gRPC event loops and the controller's timers, so requests beyond
 * {@link #MAX_OUTSTANDING} fail at once with {@link QuorumUnavailableException} instead (Ratis's
 * own window is set larger so that it never engages). A request that got no answer fails with
 * {@link QuorumNoAnswerException} (indefinite). And once one request exhausts its retries,
 * the client fails every request behind it and closes its sliding window for good; a cut-off node
 * would stay cut off after the quorum healed. Such a client is therefore replaced by a new one.
 */
final class QuorumClient implements Closeable {
    static final int MAX_OUTSTANDING = 1024;
    /** How long one request keeps retrying (a leader election takes about a second). */
    static final long REQUEST_LIFETIME_MS = 20_000;
    private static final long RETRY_SLEEP_MS = 100;
    private static final Logger LOG = LoggerFactory.getLogger(QuorumClient.class);

    private final RaftProperties properties;
    private final RaftGroup group;
    private final long requestLifetimeMs;
    private final Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
    private RaftClient client; // guarded by this
    private boolean closed; // guarded by this

    QuorumClient(RaftProperties serverProperties, RaftGroup group, long requestLifetimeMs) {
        this.properties = new RaftProperties(serverProperties);
        RaftClientConfigKeys.Async.setOutstandingRequestsMax(properties, MAX_OUTSTANDING * 4);
        this.group = group;
        this.requestLifetimeMs = requestLifetimeMs;
        this.client = newClient();
    }

    private RaftClient newClient() {
        RequestTypeDependentRetryPolicy.Builder retry = RequestTypeDependentRetryPolicy.newBuilder();
        for (TypeCase type : TypeCase.values()) {
            retry.setRetryPolicy(type, RetryPolicies.retryForeverWithSleep(
                    TimeDuration.valueOf(RETRY_SLEEP_MS, TimeUnit.MILLISECONDS)));
            retry.setTimeout(type, TimeDuration.valueOf(requestLifetimeMs, TimeUnit.MILLISECONDS));
        }
        return RaftClient.newBuilder().setProperties(properties).setRaftGroup(group)
                .setRetryPolicy(retry.build()).build();
    }

    /** Replicates {@code message} through the leader's log. */
    CompletableFuture<RaftClientReply> write(Message message) {
        return send(async -> async.send(message));
    }

    /** A linearizable read answered by the leader's state machine. */
    CompletableFuture<RaftClientReply> read(Message query) {
        return send(async -> async.sendReadOnly(query));
    }

    /**
     * A read answered by the leader, outside the ordered window: it does not wait behind this
     * client's earlier requests (a write held by a leader that paused or died holds every ordered
     * request behind it until the client gives up on that leader, longer than a broker session).
     */
    CompletableFuture<RaftClientReply> readUnordered(Message query) {
        return send(async -> async.sendReadOnlyUnordered(query));
    }

    private CompletableFuture<RaftClientReply> send(Function<AsyncApi, CompletableFuture<RaftClientReply>> request) {
        if (!outstanding.tryAcquire()) {
            return CompletableFuture.failedFuture(new QuorumUnavailableException(MAX_OUTSTANDING));
        }
        RaftClient current;
        synchronized (this) {
            current = client;
        }
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = request.apply(current.async());
        } catch (RuntimeException e) { // e.g. the client is already closed
            outstanding.release();
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<RaftClientReply> answered = new CompletableFuture<>();
        reply.whenComplete((answer, failure) -> {
            outstanding.release();
            if (failure == null) {
                answered.complete(answer);
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof RaftRetryFailureException || cause instanceof AlreadyClosedException) {
                replace(current); // its ordered window is closed
            }
            answered.completeExceptionally(new QuorumNoAnswerException(cause));
        });
        return answered;
    }

    private void replace(RaftClient broken) {
        synchronized (this) {
            if (closed || client != broken) {
                return; // closing, or another failure already replaced it
            }
            client = newClient();
        }
        LOG.info("replaced the metadata quorum client after a request gave up (its ordered window is closed)");
        // Not on this thread: it may be one of the broken client's own.
        Thread closer = new Thread(() -> closeQuietly(broken), "metadata-client-close");
        closer.setDaemon(true);
        closer.start();
    }

    private static void closeQuietly(RaftClient client) {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing a replaced metadata quorum client failed", e);
        }
    }

    @Override
    public void close() throws IOException {
        RaftClient current;
        synchronized (this) {
            closed = true;
            current = client;
        }
        current.close();
    }
}
