package io.tributary.client.internal;

import io.grpc.Status;
import io.tributary.client.NetworkException;
import io.tributary.client.TimeoutException;
import io.tributary.client.TributaryException;
import io.tributary.client.UnknownTopicOrPartitionException;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.MetadataRequest;
import io.tributary.proto.v1.MetadataResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's cached cluster metadata. Holds the topics the client cares about, refreshes them
 * on demand (one refresh in flight at a time, tried against known brokers then the bootstrap
 * addresses), and lets callers block for a topic with a deadline. An answer with an older metadata
 * version than the one held is ignored (a lagging node must not send the client back to a replaced
 * leader).
 */
public final class MetadataManager implements ProducerMetadata {
    private static final Logger log = LoggerFactory.getLogger(MetadataManager.class);

    private final ChannelPool channels;
    private final List<BrokerAddress> bootstrap;
    private final long requestTimeoutMs;
    /**
     * How long one node may take to answer before the next is asked. A node answers metadata from
     * memory; one that is silent this long is paused, dead or cut off, and waiting for the whole
     * request timeout there is what kept producers on a replaced leader for seconds.
     */
    static final long ATTEMPT_TIMEOUT_MS = 1_000;
    private final long retryBackoffMs;
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final Runnable onUpdate;
    private volatile Cluster cluster = Cluster.EMPTY;
    private CompletableFuture<Cluster> inFlight; // guarded by this
    private long lastAttemptMs; // guarded by this
    private int nextNode; // guarded by this

    /**
     * @param onUpdate run (on a transport thread) after every successful refresh; must not block
     */
    public MetadataManager(ChannelPool channels, List<BrokerAddress> bootstrap, long requestTimeoutMs,
                           long retryBackoffMs, Runnable onUpdate) {
        this.channels = channels;
        this.bootstrap = List.copyOf(bootstrap);
        this.requestTimeoutMs = requestTimeoutMs;
        this.retryBackoffMs = retryBackoffMs;
        this.onUpdate = onUpdate;
    }

    @Override
    public Cluster cluster() {
        return cluster;
    }

    /** Adds topics to those refreshed; returns true when any was new. */
    public boolean addTopics(Collection<String> names) {
        return topics.addAll(names);
    }

    public void retainTopics(Collection<String> names) {
        topics.retainAll(names);
    }

    /** Asks for a refresh unless one is in flight or one started less than retryBackoffMs ago. */
    @Override
    public void requestRefresh() {
        synchronized (this) {
            if (inFlight != null || System.currentTimeMillis() - lastAttemptMs < retryBackoffMs) {
                return;
            }
        }
        refresh();
    }

    /** Starts a refresh of the interesting topics (all topics when none), or joins the one in flight. */
    public synchronized CompletableFuture<Cluster> refresh() {
        if (inFlight != null) {
            return inFlight;
        }
        lastAttemptMs = System.currentTimeMillis();
        CompletableFuture<Cluster> future = new CompletableFuture<>();
        inFlight = future;
        List<BrokerAddress> nodes = candidates();
        MetadataRequest request = MetadataRequest.newBuilder().addAllTopics(topics).build();
        attempt(request, nodes, 0, future, null);
        future.whenComplete((c, e) -> {
            synchronized (this) {
                inFlight = null;
            }
        });
        return future;
    }

    /** Metadata for exactly these topics (or all when empty), not cached. */
    public CompletableFuture<MetadataResponse> fetch(Collection<String> names) {
        CompletableFuture<MetadataResponse> future = new CompletableFuture<>();
        List<BrokerAddress> nodes;
        synchronized (this) {
            nodes = candidates();
        }
        attemptRaw(MetadataRequest.newBuilder().addAllTopics(names).build(), nodes, 0, future, null, roundsDeadline());
        return future;
    }

    private List<BrokerAddress> candidates() {
        LinkedHashSet<BrokerAddress> all = new LinkedHashSet<>(cluster.brokers().values());
        all.addAll(bootstrap);
        List<BrokerAddress> nodes = new ArrayList<>(all);
        int start = Math.floorMod(nextNode++, nodes.size());
        List<BrokerAddress> rotated = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            rotated.add(nodes.get((start + i) % nodes.size()));
        }
        return rotated;
    }

    private void attempt(MetadataRequest request, List<BrokerAddress> nodes, int index,
                         CompletableFuture<Cluster> future, Throwable last) {
        CompletableFuture<MetadataResponse> raw = new CompletableFuture<>();
        attemptRaw(request, nodes, index, raw, last, roundsDeadline());
        raw.whenComplete((response, error) -> {
            if (error != null) {
                future.completeExceptionally(error);
                return;
            }
            Cluster current = cluster;
            if (response.getMetadataVersion() < current.metadataVersion()) {
                // A node that is behind (cut off from the metadata quorum, or restarting) would send
                // the client back to a leader that was replaced: never take older metadata over newer.
                log.debug("ignoring metadata version {}, older than the {} already known", response.getMetadataVersion(),
                        current.metadataVersion());
                future.complete(current);
                return;
            }
            Cluster updated = Cluster.from(response, System.currentTimeMillis());
            cluster = updated;
            future.complete(updated);
            if (onUpdate != null) {
                onUpdate.run();
            }
        });
    }

    private long roundsDeadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs);
    }

    /**
     * Asks the nodes in turn, each for at most {@link #ATTEMPT_TIMEOUT_MS}. When every one failed
     * and the last was only slow (no answer within its attempt: a busy machine, a node still
     * accepting its first connection), asks them all again after the retry back-off until the
     * request timeout has passed; a refused connection (nothing listens there) fails at once.
     */
    private void attemptRaw(MetadataRequest request, List<BrokerAddress> nodes, int index,
                            CompletableFuture<MetadataResponse> future, Throwable last, long deadlineNanos) {
        if (index >= nodes.size()) {
            boolean onlySlow = last != null && Status.fromThrowable(last).getCode() == Status.Code.DEADLINE_EXCEEDED;
            if (onlySlow && deadlineNanos - System.nanoTime() > TimeUnit.MILLISECONDS.toNanos(retryBackoffMs)) {
                CompletableFuture.runAsync(() -> attemptRaw(request, nodes, 0, future, last, deadlineNanos),
                        CompletableFuture.delayedExecutor(retryBackoffMs, TimeUnit.MILLISECONDS));
                return;
            }
            future.completeExceptionally(last != null ? Rpc.transportFailure(last, "Metadata")
                    : new NetworkException("no broker to ask for metadata", true, null));
            return;
        }
        BrokerAddress node = nodes.get(index);
        Rpc.<MetadataResponse>call(o -> channels.stub(node)
                        .withDeadlineAfter(Math.min(requestTimeoutMs, ATTEMPT_TIMEOUT_MS), TimeUnit.MILLISECONDS)
                        .metadata(request, o))
                .whenComplete((response, error) -> {
                    if (error == null) {
                        future.complete(response);
                    } else {
                        log.debug("Metadata request to {} failed: {}", node, error.toString());
                        attemptRaw(request, nodes, index + 1, future, error, deadlineNanos);
                    }
                });
    }

    /**
     * Blocks until metadata knows {@code topic} with at least one partition, refreshing as needed.
     *
     * @throws UnknownTopicOrPartitionException when the deadline passes and brokers answered that the topic is unknown
     * @throws TimeoutException when the deadline passes without an answer
     */
    public Cluster.Topic awaitTopic(String topic, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        addTopics(List.of(topic));
        TributaryException lastError = null;
        boolean first = true;
        boolean answered = false;
        while (true) {
            Cluster.Topic known = cluster.topic(topic);
            if (known != null && known.usable()) {
                return known;
            }
            if (known != null && known.error() != ErrorCode.NONE
                    && known.error() != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                TributaryException e = TributaryException.forCode(known.error(),
                        "topic '" + topic + "': " + known.errorMessage());
                if (!e.isRetriable()) {
                    throw e;
                }
                lastError = e;
            }
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMs <= 0) {
                if (known != null || answered) {
                    throw new UnknownTopicOrPartitionException("topic '" + topic + "' not present in metadata after "
                            + timeoutMs + " ms" + (known == null || known.errorMessage().isEmpty() ? ""
                            : ": " + known.errorMessage()));
                }
                throw new TimeoutException("topic '" + topic + "' not present in metadata after " + timeoutMs + " ms"
                        + (lastError == null ? "" : ": " + lastError.getMessage()), true, lastError);
            }
            if (!first) {
                sleepQuietly(Math.min(retryBackoffMs, remainingMs));
            }
            first = false;
            try {
                Rpc.await(refresh(), Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())),
                        "Metadata");
                answered = true;
            } catch (TributaryException e) {
                lastError = e;
            }
        }
    }

    private static void sleepQuietly(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkException("interrupted while waiting for metadata", false, e);
        }
    }
}
