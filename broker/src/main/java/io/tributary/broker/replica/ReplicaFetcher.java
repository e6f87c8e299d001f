package io.tributary.broker.replica;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.tributary.broker.log.FlushPolicy;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.NonContiguousAppendException;
import io.tributary.broker.partition.Partition;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.EpochEndOffsetResult;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.FetchPartition;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.FetchRequest;
import io.tributary.proto.v1.FetchResponse;
import io.tributary.proto.v1.FetchTopic;
import io.tributary.proto.v1.FetchTopicResponse;
import io.tributary.proto.v1.OffsetForLeaderPartition;
import io.tributary.proto.v1.OffsetForLeaderTopic;
import io.tributary.proto.v1.OffsetForLeaderTopicResult;
import io.tributary.proto.v1.OffsetsForLeaderEpochRequest;
import io.tributary.proto.v1.OffsetsForLeaderEpochResponse;
import io.tributary.proto.v1.ReplicaState;
import io.tributary.proto.v1.TributaryGrpc;
import io.tributary.replication.EpochEndOffset;
import io.tributary.replication.FetchErrorAction;
import io.tributary.replication.FollowerTruncation;
import io.tributary.replication.Replica;
import io.tributary.replication.TruncationBelowHighWatermarkException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that replicates every partition this broker follows from one leader broker. Per
 * partition it first truncates where its log diverged from the leader's (OffsetsForLeaderEpoch,
 * KIP-101/279), then fetches in a loop: a long poll that the leader answers as soon as its log
 * grows, an append that keeps the leader's offsets and epochs, and, under {@code flush.policy=ack},
 * an fsync (shared with other partitions by the flusher's group commit) before the next fetch, whose
 * offset tells the leader what this replica holds on disk.
 *
 * <p>The thread is never interrupted: it writes segment files, and an interrupt during a
 * FileChannel write or truncate closes the channel and takes the partition offline. {@link #close()}
 * instead cancels the RPC in flight (a gRPC context) and wakes the thread from its waits.
 */
final class ReplicaFetcher implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    static final int FETCH_MAX_WAIT_MS = ReplicaFetcherManager.FETCH_MAX_WAIT_MS;
    private static final int FETCH_MAX_BYTES = 16 * 1024 * 1024;
    private static final int PARTITION_MAX_BYTES = 1024 * 1024;
    private static final long RPC_MARGIN_MS = 10_000;
    private static final long RETRY_BACKOFF_MS = 100;
    private static final long DURABLE_TIMEOUT_MS = 30_000;

    private final int localId;
    private final int leaderId;
    private final BrokerChannels channels;
    private final LogManager logManager;
    private final Thread thread;
    /** Every RPC runs in this context; {@link #close()} cancels it, which ends a blocked call at once. */
    private final Context.CancellableContext rpcContext = Context.current().withCancellation();
    /** Guarded by this. Insertion order keeps fetch requests stable. */
    private final Map<TopicPartition, State> states = new LinkedHashMap<>();
    private volatile boolean running = true;
    /** The last failed round's error, so that a failure repeated every round is logged once (fetcher thread). */
    private String lastRoundFailure;

    /** What this fetcher does next for one partition. */
    private record State(Partition partition, int leaderEpoch, boolean truncating, long notBeforeNanos) {
        State truncate() {
            return new State(partition, leaderEpoch, true, notBeforeNanos);
        }

        State fetch() {
            return new State(partition, leaderEpoch, false, 0);
        }

        State backOff(long nowNanos) {
            return new State(partition, leaderEpoch, truncating, nowNanos + TimeUnit.MILLISECONDS.toNanos(RETRY_BACKOFF_MS));
        }
    }

    ReplicaFetcher(int localId, int leaderId, BrokerChannels channels, LogManager logManager) {
        this.localId = localId;
        this.leaderId = leaderId;
        this.channels = channels;
        this.logManager = logManager;
        this.thread = new Thread(this, "replica-fetcher-" + localId + "-from-" + leaderId);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    int leaderId() {
        return leaderId;
    }

    /** Follow {@code partition} at {@code leaderEpoch}: truncate first, then fetch. */
    synchronized void add(Partition partition, int leaderEpoch) {
        states.put(partition.topicPartition(), new State(partition, leaderEpoch, true, 0));
        notifyAll();
    }

    synchronized void remove(TopicPartition tp) {
        states.remove(tp);
    }

    synchronized boolean isEmpty() {
        return states.isEmpty();
    }

    @Override
    public void run() {
        while (running) {
            try {
                Map<TopicPartition, State> ready = awaitReady();
                if (ready.isEmpty()) {
                    continue;
                }
                Map<TopicPartition, State> truncating = new LinkedHashMap<>();
                Map<TopicPartition, State> fetching = new LinkedHashMap<>();
                ready.forEach((tp, s) -> (s.truncating() ? truncating : fetching).put(tp, s));
                if (!truncating.isEmpty()) {
                    truncate(truncating);
                }
                if (!fetching.isEmpty()) {
                    fetch(fetching);
                }
                lastRoundFailure = null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // One bad round must not end replication from this leader; the partitions back off.
                // A failure that repeats (a full disk, say) is logged once, not every round.
                String failure = e.toString();
                if (!failure.equals(lastRoundFailure)) {
                    log.error("Replica fetcher from broker {} failed a round (logged once while it repeats): {}",
                            leaderId, failure, e);
                    lastRoundFailure = failure;
                }
                backOffAll();
            }
        }
    }

    /** The partitions due now; waits while there are none (or all are backing off). */
    private synchronized Map<TopicPartition, State> awaitReady() throws InterruptedException {
        while (running) {
            long now = System.nanoTime();
            long nextDue = Long.MAX_VALUE;
            Map<TopicPartition, State> ready = new LinkedHashMap<>();
            for (Map.Entry<TopicPartition, State> e : states.entrySet()) {
                if (e.getValue().notBeforeNanos() <= now) {
                    ready.put(e.getKey(), e.getValue());
                } else {
                    nextDue = Math.min(nextDue, e.getValue().notBeforeNanos());
                }
            }
            if (!ready.isEmpty()) {
                return ready;
            }
            if (nextDue == Long.MAX_VALUE) {
                wait();
            } else {
                TimeUnit.NANOSECONDS.timedWait(this, Math.max(1, nextDue - now));
            }
        }
        return Map.of();
    }

    /** Replaces a partition's state unless it was removed or re-added (another epoch) meanwhile. */
    private synchronized void update(TopicPartition tp, State seen, State next) {
        if (states.get(tp) == seen) {
            states.put(tp, next);
        }
    }

    private synchronized void backOffAll() {
        long now = System.nanoTime();
        states.replaceAll((tp, s) -> s.backOff(now));
    }

    /** Runs a blocking call in {@link #rpcContext}, so that {@link #close()} can cancel it. */
    private <T> T callCancellably(java.util.function.Supplier<T> call) {
        Context previous = rpcContext.attach();
        try {
            return call.get();
        } finally {
            rpcContext.detach(previous);
        }
    }

    private Optional<TributaryGrpc.TributaryBlockingStub> stub(long timeoutMs) {
        return channels.stub(leaderId).map(s -> s.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS));
    }

    // ---------------------------------------------------------------- truncation

    private void truncate(Map<TopicPartition, State> truncating) {
        OffsetsForLeaderEpochRequest.Builder request = OffsetsForLeaderEpochRequest.newBuilder().setReplicaId(localId);
        Map<String, OffsetForLeaderTopic.Builder> topics = new LinkedHashMap<>();
        truncating.forEach((tp, s) -> topics.computeIfAbsent(tp.topic(), t -> OffsetForLeaderTopic.newBuilder().setTopic(t))
                .addPartitions(OffsetForLeaderPartition.newBuilder().setPartition(tp.partition())
                        .setCurrentLeaderEpoch(s.leaderEpoch()).setLeaderEpoch(s.partition().latestLocalEpoch())));
        topics.values().forEach(request::addTopics);
        OffsetsForLeaderEpochResponse response;
        try {
            Optional<TributaryGrpc.TributaryBlockingStub> stub = stub(RPC_MARGIN_MS);
            if (stub.isEmpty()) {
                backOff(truncating);
                return;
            }
            response = callCancellably(() -> stub.get().offsetsForLeaderEpoch(request.build()));
        } catch (StatusRuntimeException e) {
            log.debug("OffsetsForLeaderEpoch to broker {} failed: {}", leaderId, e.getStatus());
            backOff(truncating);
            return;
        }
        for (OffsetForLeaderTopicResult topic : response.getTopicsList()) {
            for (EpochEndOffsetResult result : topic.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(topic.getTopic(), result.getPartition());
                State state = truncating.get(tp);
                if (state != null) {
                    applyTruncation(tp, state, result);
                }
            }
        }
    }

    private void applyTruncation(TopicPartition tp, State state, EpochEndOffsetResult result) {
        if (result.getErrorCode() != ErrorCode.NONE) {
            log.debug("{}: leader {} answered OffsetsForLeaderEpoch with {} {}", tp, leaderId, result.getErrorCode(),
                    result.getErrorMessage());
            update(tp, state, state.backOff(System.nanoTime()));
            return;
        }
        try {
            Optional<FollowerTruncation.Decision> decision = state.partition().truncateAfterDivergence(
                    state.leaderEpoch(), new EpochEndOffset(result.getLeaderEpoch(), result.getEndOffset()),
                    result.getLogStartOffset());
            if (decision.isEmpty()) {
                return; // the role changed; the manager re-adds or removes the partition
            }
            if (decision.get().completed()) {
                log.info("{}: follows broker {} at leader epoch {} from offset {}", tp, leaderId, state.leaderEpoch(),
                        state.partition().log().logEndOffset());
                update(tp, state, state.fetch());
            }
        } catch (TruncationBelowHighWatermarkException e) {
            // Acknowledged data would be lost: refuse, keep the log, and keep asking (an operator sees this).
            log.error("{}: refusing to truncate below the high watermark: {}", tp, e.getMessage());
            update(tp, state, state.backOff(System.nanoTime()));
        }
    }

    // ---------------------------------------------------------------- fetching

    private void fetch(Map<TopicPartition, State> fetching) throws InterruptedException {
        FetchRequest.Builder request = FetchRequest.newBuilder().setReplica(ReplicaState.newBuilder().setReplicaId(localId)).setMaxWaitMs(FETCH_MAX_WAIT_MS)
                .setMinBytes(1).setMaxBytes(FETCH_MAX_BYTES);
        Map<String, FetchTopic.Builder> topics = new LinkedHashMap<>();
        Map<TopicPartition, Long> fetchOffsets = new HashMap<>();
        fetching.forEach((tp, s) -> {
            Optional<Replica.FetchPosition> position = s.partition().followerFetchPosition(s.leaderEpoch());
            if (position.isEmpty()) {
                return; // the role changed: the partition manager moves or drops it
            }
            long offset = position.get().fetchOffset();
            fetchOffsets.put(tp, offset);
            FetchPartition.Builder fetch = FetchPartition.newBuilder().setPartition(tp.partition()).setFetchOffset(offset)
                    .setPartitionMaxBytes(PARTITION_MAX_BYTES).setCurrentLeaderEpoch(s.leaderEpoch());
            if (position.get().lastFetchedEpoch() >= 0) {
                fetch.setLastFetchedEpoch(position.get().lastFetchedEpoch());
            }
            topics.computeIfAbsent(tp.topic(), t -> FetchTopic.newBuilder().setTopic(t)).addPartitions(fetch);
        });
        if (fetchOffsets.isEmpty()) {
            return;
        }
        topics.values().forEach(request::addTopics);
        FetchResponse response;
        try {
            Optional<TributaryGrpc.TributaryBlockingStub> stub = stub(FETCH_MAX_WAIT_MS + RPC_MARGIN_MS);
            if (stub.isEmpty()) {
                backOff(fetching);
                return;
            }
            response = callCancellably(() -> stub.get().fetch(request.build()));
        } catch (StatusRuntimeException e) {
            log.debug("Fetch from broker {} failed: {}", leaderId, e.getStatus());
            backOff(fetching);
            return;
        }
        List<Appended> appended = new ArrayList<>();
        for (FetchTopicResponse topic : response.getTopicsList()) {
            for (FetchPartitionResponse p : topic.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(topic.getTopic(), p.getPartition());
                State state = fetching.get(tp);
                if (state != null) {
                    handlePartition(tp, state, fetchOffsets.get(tp), p, appended);
                }
            }
        }
        for (Appended a : appended) {
            if (a.durable() != null) {
                awaitDurable(a);
            }
            a.state().partition().updateFollowerHighWatermark(a.state().leaderEpoch(), a.leaderHighWatermark());
            a.state().partition().followLeaderLogStart(a.state().leaderEpoch(), a.leaderLogStartOffset());
        }
    }

    private record Appended(State state, long leaderHighWatermark, long leaderLogStartOffset, CompletableFuture<Void> durable) {
    }

    private void handlePartition(TopicPartition tp, State state, long fetchOffset, FetchPartitionResponse p,
                                 List<Appended> appended) {
        if (p.getErrorCode() != ErrorCode.NONE) {
            switch (FetchErrorAction.after(p.getErrorCode(), fetchOffset, p.getLogStartOffset())) {
                case START_AT_LEADER_LOG_START -> {
                    if (state.partition().startAtLeaderLogStart(state.leaderEpoch(), p.getLogStartOffset())) {
                        log.info("{}: leader {} starts its log at {}, past this replica's end {}; this replica's log"
                                + " starts again there", tp, leaderId, p.getLogStartOffset(), fetchOffset);
                    }
                    update(tp, state, state.fetch());
                }
                case TRUNCATE -> {
                    log.warn("{}: leader {} says fetch offset {} is out of range ({}); checking for divergence", tp,
                            leaderId, fetchOffset, p.getErrorMessage());
                    update(tp, state, state.truncate());
                }
                case BACK_OFF -> {
                    // FENCED/UNKNOWN_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION: the
                    // metadata is moving; the partition manager moves us when it has.
                    log.debug("{}: fetch from {} answered {} {}", tp, leaderId, p.getErrorCode(), p.getErrorMessage());
                    update(tp, state, state.backOff(System.nanoTime()));
                }
            }
            return;
        }
        if (p.getRecords().isEmpty()) {
            appended.add(new Appended(state, p.getHighWatermark(), p.getLogStartOffset(), null));
            return;
        }
        Partition partition = state.partition();
        try {
            ByteBuffer records = ByteBuffer.wrap(p.getRecords().toByteArray());
            switch (partition.appendAsFollower(state.leaderEpoch(), fetchOffset, records)) {
                case APPEND -> {
                    CompletableFuture<Void> durable = partition.log().config().flushPolicy() == FlushPolicy.ACK
                            ? logManager.awaitDurable(partition.log(), partition.log().logEndOffset()) : null;
                    appended.add(new Appended(state, p.getHighWatermark(), p.getLogStartOffset(), durable));
                }
                case ROLE_CHANGED -> {
                    // the partition manager re-adds or removes the partition
                }
                case LOG_MOVED -> update(tp, state, state.truncate());
            }
        } catch (NonContiguousAppendException e) {
            log.warn("{}: {}; asking the leader where to continue", tp, e.getMessage());
            update(tp, state, state.truncate());
        }
    }

    private void awaitDurable(Appended a) throws InterruptedException {
        try {
            a.durable().get(DURABLE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("{}: fetched data did not become durable: {}", a.state().partition().topicPartition(), e.toString());
            update(a.state().partition().topicPartition(), a.state(), a.state().backOff(System.nanoTime()));
        }
    }

    private void backOff(Map<TopicPartition, State> partitions) {
        long now = System.nanoTime();
        partitions.forEach((tp, s) -> update(tp, s, s.backOff(now)));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        rpcContext.cancel(null);
        thread.join(TimeUnit.SECONDS.toMillis(10));
        if (thread.isAlive()) {
            log.warn("replica fetcher from broker {} did not stop within 10 s", leaderId);
        }
    }
}
