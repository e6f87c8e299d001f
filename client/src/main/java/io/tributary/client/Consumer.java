package io.tributary.client;

import io.tributary.client.internal.BrokerAddress;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.Cluster;
import io.tributary.client.internal.CompletedFetch;
import io.tributary.client.internal.GroupChannel;
import io.tributary.client.internal.GroupMembership;
import io.tributary.client.internal.MetadataManager;
import io.tributary.client.internal.Rpc;
import io.tributary.proto.Errors;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ConsumerGroupHeartbeatResponse;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.OffsetCommitPartition;
import io.tributary.proto.v1.OffsetCommitPartitionResponse;
import io.tributary.proto.v1.OffsetCommitRequest;
import io.tributary.proto.v1.OffsetCommitResponse;
import io.tributary.proto.v1.OffsetCommitTopic;
import io.tributary.proto.v1.OffsetCommitTopicResponse;
import io.tributary.proto.v1.OffsetFetchPartitionResponse;
import io.tributary.proto.v1.OffsetFetchRequest;
import io.tributary.proto.v1.OffsetFetchResponse;
import io.tributary.proto.v1.OffsetFetchTopicResponse;
import io.tributary.proto.v1.TopicPartitions;
import io.tributary.proto.v1.FetchPartition;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.FetchRequest;
import io.tributary.proto.v1.FetchResponse;
import io.tributary.proto.v1.FetchTopic;
import io.tributary.proto.v1.FetchTopicResponse;
import io.tributary.proto.v1.ListOffsetsPartition;
import io.tributary.proto.v1.ListOffsetsPartitionResponse;
import io.tributary.proto.v1.ListOffsetsRequest;
import io.tributary.proto.v1.ListOffsetsResponse;
import io.tributary.proto.v1.ListOffsetsTopic;
import io.tributary.proto.v1.ListOffsetsTopicResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads records from manually assigned partitions. Not thread-safe: use it from one thread.
 *
 * <p>{@link #poll} sends one long-poll Fetch per leader broker for the partitions it leads, at
 * their fetch positions, and returns decoded records in offset order per partition. It prefetches:
 * as soon as a response is buffered, the next fetch for those partitions (from the end of the
 * buffered data) goes out while the application works through the records, with at most two
 * responses buffered per partition. The transport's threads only enqueue responses; all state is
 * touched by the polling thread.
 *
 * <p>A partition without a position starts per {@code autoOffsetReset} (ListOffsets earliest or
 * latest); with {@code NONE}, {@code poll} throws {@link NoOffsetForPartitionException}. A fetch
 * position out of the log's range resets the same way, or throws {@link OffsetOutOfRangeException}
 * with {@code NONE}.
 */
public final class Consumer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Consumer.class);
    private static final long MAX_WAIT_SLICE_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int MAX_BUFFERED_FETCHES = 2;

    private final ConsumerConfig config;
    private final ChannelPool channels;
    private final MetadataManager metadata;
    private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final Map<TopicPartition, PartitionState> assignment = new LinkedHashMap<>();
    private final Set<BrokerAddress> fetchesInFlight = new HashSet<>();
    private PartitionState[] pollOrder = new PartitionState[0];
    private int nextPollIndex;
    private boolean closed;

    // group membership (null without a groupId); see the "groups" section
    private final GroupMembership membership;
    private final GroupChannel group;
    private ConsumerRebalanceListener listener = ConsumerRebalanceListener.NONE;
    private boolean subscribed;
    private long nextAutoCommitAtMs;
    private final ArrayDeque<PendingCommit> commits = new ArrayDeque<>();
    private boolean commitInFlight;
    private RuntimeException groupFailure;

    /** A commit waiting its turn: commits go out one at a time, so they land in the order they were made. */
    private record PendingCommit(Map<TopicPartition, OffsetAndMetadata> offsets, CompletableFuture<Void> done) {
    }

    /** Per-partition state; touched only by the polling thread. */
    private static final class PartitionState {
        final TopicPartition tp;
        long position = -1;
        AutoOffsetReset reset;
        long nextFetchOffset = -1;
        boolean fetchInFlight;
        boolean resetInFlight;
        long retryAtMs;
        int generation;
        /** The leader epoch of the record before the position (committed with it), -1 when unknown. */
        int positionEpoch = -1;
        /** Given by the group: the position is the group's committed offset, read first. */
        boolean needsCommittedOffset;
        boolean committedFetchInFlight;
        boolean paused;
        final ArrayDeque<CompletedFetch> buffered = new ArrayDeque<>(MAX_BUFFERED_FETCHES);

        PartitionState(TopicPartition tp, AutoOffsetReset reset) {
            this.tp = tp;
            this.reset = reset;
        }

        /** Forgets buffered data and in-flight answers (they carry an older generation). */
        void invalidate() {
            generation++;
            buffered.clear();
            nextFetchOffset = position;
        }

        boolean errorBuffered() {
            CompletedFetch last = buffered.peekLast();
            return last != null && last.error() != ErrorCode.NONE;
        }
    }

    public Consumer(ConsumerConfig config) {
        this.config = config;
        this.channels = new ChannelPool();
        this.metadata = new MetadataManager(channels, BrokerAddress.parseAll(config.bootstrapServers()),
                config.requestTimeoutMs(), config.retryBackoffMs(), () -> events.add(() -> { }));
        if (config.groupId() != null) {
            this.group = new GroupChannel(channels, metadata, BrokerAddress.parseAll(config.bootstrapServers()),
                    config.groupId(), config.requestTimeoutMs());
            this.membership = new GroupMembership(config.groupId(), UUID.randomUUID().toString(), config.groupInstanceId(),
                    config.rebalanceTimeoutMs(), config.serverAssignor(), config.retryBackoffMs());
        } else {
            this.group = null;
            this.membership = null;
        }
    }

    public ConsumerConfig config() {
        return config;
    }

    /** Replaces the assignment. Partitions kept keep their positions; new ones start without one. */
    public void assign(Collection<TopicPartition> partitions) {
        ensureOpen();
        if (subscribed) {
            throw new IllegalStateException("consumer is subscribed: its group assigns its partitions (unsubscribe first)");
        }
        Set<TopicPartition> wanted = new LinkedHashSet<>(partitions);
        assignment.keySet().retainAll(wanted);
        Set<String> topics = new HashSet<>();
        for (TopicPartition tp : wanted) {
            topics.add(tp.topic());
            assignment.computeIfAbsent(tp, t -> new PartitionState(t, config.autoOffsetReset()));
        }
        pollOrder = assignment.values().toArray(new PartitionState[0]);
        metadata.retainTopics(topics);
        if (metadata.addTopics(topics)) {
            metadata.refresh();
        }
    }

    public Set<TopicPartition> assignment() {
        return Set.copyOf(assignment.keySet());
    }

    /** Moves the position; the next poll returns records from {@code offset}. Discards prefetched data. */
    public void seek(TopicPartition tp, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset + " is negative");
        }
        PartitionState state = stateOrThrow(tp);
        state.position = offset;
        state.positionEpoch = -1;
        state.reset = null;
        state.needsCommittedOffset = false;
        state.invalidate();
    }

    /** Seeks to the log start offset, lazily (on the next poll or position). Empty: all assigned. */
    public void seekToBeginning(Collection<TopicPartition> tps) {
        requestReset(tps, AutoOffsetReset.EARLIEST);
    }

    /** Seeks to the log end offset, lazily (on the next poll or position). Empty: all assigned. */
    public void seekToEnd(Collection<TopicPartition> tps) {
        requestReset(tps, AutoOffsetReset.LATEST);
    }

    private void requestReset(Collection<TopicPartition> tps, AutoOffsetReset strategy) {
        ensureOpen();
        Collection<TopicPartition> targets = tps.isEmpty() ? assignment.keySet() : tps;
        for (TopicPartition tp : targets) {
            PartitionState state = stateOrThrow(tp);
            state.position = -1;
            state.reset = strategy;
            state.needsCommittedOffset = false;
            state.invalidate();
        }
    }

    /**
     * The offset of the next record poll returns for {@code tp}; resolves a pending reset first,
     * blocking up to requestTimeoutMs.
     */
    public long position(TopicPartition tp) {
        PartitionState state = stateOrThrow(tp);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs());
        while (state.position < 0) {
            if (!state.needsCommittedOffset) {
                checkResettable(state);
            }
            sendCommittedOffsetFetches(System.currentTimeMillis());
            sendListOffsets(System.currentTimeMillis());
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new TimeoutException("position of " + tp + " not resolved in " + config.requestTimeoutMs()
                        + " ms", true, null);
            }
            awaitEvent(Math.min(remaining, MAX_WAIT_SLICE_NS));
        }
        return state.position;
    }

    /**
     * Returns the next records of the assigned partitions, in offset order per partition and never
     * skipping one, or an empty list when none arrived within {@code timeout}.
     *
     * @throws NoOffsetForPartitionException a partition has no position and autoOffsetReset is NONE
     * @throws OffsetOutOfRangeException a position fell outside the log and autoOffsetReset is NONE
     * @throws CorruptRecordException a fetched batch failed its CRC; seek past it to go on
     */
    public List<ConsumerRecord> poll(Duration timeout) {
        ensureOpen();
        if (assignment.isEmpty() && !subscribed) {
            throw new IllegalStateException("consumer has no assigned partitions and no subscription");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            runPendingEvents();
            long nowMs = System.currentTimeMillis();
            groupStep(nowMs);
            for (PartitionState state : pollOrder) {
                if (state.position < 0 && !state.needsCommittedOffset) {
                    checkResettable(state);
                }
            }
            sendCommittedOffsetFetches(nowMs);
            sendListOffsets(nowMs);
            List<ConsumerRecord> records = collect();
            sendFetches(nowMs);
            if (!records.isEmpty()) {
                return records;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return List.of();
            }
            awaitEvent(Math.min(remaining, MAX_WAIT_SLICE_NS));
        }
    }

    /**
     * Leaves the group (committing the positions first with auto commit), then closes the
     * connections; in-flight fetches are abandoned.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (subscribed) {
                leaveGroup();
            }
        } finally {
            closed = true;
            channels.close();
        }
    }

    // ---------------------------------------------------------------- collecting

    private List<ConsumerRecord> collect() {
        List<ConsumerRecord> out = new ArrayList<>();
        int max = config.maxPollRecords();
        int count = pollOrder.length;
        long nowMs = System.currentTimeMillis();
        for (int i = 0; i < count && out.size() < max; i++) {
            PartitionState state = pollOrder[(nextPollIndex + i) % count];
            if (state.paused || (subscribed && !membership.mayDeliver(state.tp, nowMs))) {
                continue; // a group member delivers only while its lease on the partition holds
            }
            while (out.size() < max && !state.buffered.isEmpty()) {
                CompletedFetch fetch = state.buffered.peekFirst();
                if (fetch.error() != ErrorCode.NONE) {
                    if (!out.isEmpty()) {
                        return out; // hand out what we have; the error surfaces on the next poll
                    }
                    state.buffered.pollFirst();
                    handleFetchError(state, fetch);
                    continue;
                }
                try {
                    int before = out.size();
                    state.position = fetch.drain(out, max, state.position);
                    if (out.size() > before) {
                        state.positionEpoch = fetch.lastLeaderEpoch();
                    }
                } catch (TributaryException e) {
                    state.invalidate();
                    if (!out.isEmpty()) {
                        return out; // the next fetch from the position meets the bad batch again
                    }
                    throw e;
                }
                if (fetch.isExhausted()) {
                    state.buffered.pollFirst();
                }
            }
        }
        if (count > 0) {
            nextPollIndex = (nextPollIndex + 1) % count;
        }
        return out;
    }

    private void handleFetchError(PartitionState state, CompletedFetch fetch) {
        if (fetch.error() == ErrorCode.OFFSET_OUT_OF_RANGE) {
            if (fetch.fetchOffset() != state.position) {
                return; // stale: the position moved since
            }
            AutoOffsetReset strategy = config.autoOffsetReset();
            if (strategy == AutoOffsetReset.NONE) {
                state.invalidate();
                throw new OffsetOutOfRangeException("fetch offset " + fetch.fetchOffset() + " is out of range for "
                        + state.tp + (fetch.errorMessage().isEmpty() ? "" : ": " + fetch.errorMessage()));
            }
            if (strategy == AutoOffsetReset.EARLIEST && fetch.fetchOffset() < fetch.leaderLogStartOffset()) {
                // Below the answering leader's start, that start is the earliest offset. Asking again could
                // reach a newer leader whose retention lags and move the position back over records
                // already returned.
                log.info("fetch offset {} is below the log start {} of {}; moving there", fetch.fetchOffset(),
                        fetch.leaderLogStartOffset(), state.tp);
                state.position = fetch.leaderLogStartOffset();
                state.invalidate();
                return;
            }
            log.info("fetch offset {} is out of range for {}; resetting to {}", fetch.fetchOffset(), state.tp, strategy);
            state.position = -1;
            state.reset = strategy;
            state.invalidate();
            return;
        }
        state.invalidate();
        throw TributaryException.forCode(fetch.error(), "fetching " + state.tp + " at offset " + fetch.fetchOffset()
                + (fetch.errorMessage().isEmpty() ? "" : ": " + fetch.errorMessage()));
    }

    private void checkResettable(PartitionState state) {
        if (state.reset == null || state.reset == AutoOffsetReset.NONE) {
            throw new NoOffsetForPartitionException("no position for " + state.tp
                    + " and autoOffsetReset is NONE: seek first");
        }
    }

    // ---------------------------------------------------------------- fetching

    /**
     * @param leaderEpoch the leader epoch the metadata gave for the leader fetched from: a leader at
     *                    another epoch refuses the fetch (FENCED / UNKNOWN_LEADER_EPOCH, KIP-320), so
     *                    a replaced leader can never answer OFFSET_OUT_OF_RANGE and reset the position
     */
    private record FetchTarget(PartitionState state, int generation, long fetchOffset, int leaderEpoch) {
    }

    private void sendFetches(long nowMs) {
        Cluster cluster = metadata.cluster();
        Map<BrokerAddress, List<FetchTarget>> byBroker = null;
        boolean needMetadata = false;
        for (PartitionState state : pollOrder) {
            if (state.position < 0 || state.paused || state.fetchInFlight || state.retryAtMs > nowMs
                    || state.buffered.size() >= MAX_BUFFERED_FETCHES || state.errorBuffered()) {
                continue;
            }
            BrokerAddress leader = cluster.leaderFor(state.tp.topic(), state.tp.partition());
            if (leader == null) {
                needMetadata = true;
                continue;
            }
            if (fetchesInFlight.contains(leader)) {
                continue;
            }
            if (byBroker == null) {
                byBroker = new LinkedHashMap<>();
            }
            if (state.nextFetchOffset < 0) {
                state.nextFetchOffset = state.position;
            }
            byBroker.computeIfAbsent(leader, b -> new ArrayList<>())
                    .add(new FetchTarget(state, state.generation, state.nextFetchOffset,
                            cluster.leaderEpochFor(state.tp.topic(), state.tp.partition())));
        }
        if (needMetadata) {
            metadata.requestRefresh();
        }
        if (byBroker != null) {
            byBroker.forEach(this::sendFetch);
        }
    }

    private void sendFetch(BrokerAddress broker, List<FetchTarget> targets) {
        Map<String, FetchTopic.Builder> topics = new LinkedHashMap<>();
        for (FetchTarget target : targets) {
            target.state.fetchInFlight = true;
            topics.computeIfAbsent(target.state.tp.topic(), t -> FetchTopic.newBuilder().setTopic(t))
                    .addPartitions(FetchPartition.newBuilder()
                            .setPartition(target.state.tp.partition())
                            .setFetchOffset(target.fetchOffset)
                            .setPartitionMaxBytes(config.maxPartitionFetchBytes())
                            .setCurrentLeaderEpoch(target.leaderEpoch));
        }
        FetchRequest.Builder request = FetchRequest.newBuilder()
                .setMaxWaitMs(config.fetchMaxWaitMs())
                .setMinBytes(config.fetchMinBytes())
                .setMaxBytes(config.fetchMaxBytes());
        topics.values().forEach(request::addTopics);
        FetchRequest fetch = request.build();
        fetchesInFlight.add(broker);
        long deadlineMs = (long) config.requestTimeoutMs() + config.fetchMaxWaitMs();
        Rpc.<FetchResponse>call(o -> channels.stub(broker)
                        .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).fetch(fetch, o))
                .whenComplete((response, error) -> events.add(() -> handleFetchResponse(broker, targets, response,
                        error)));
    }

    private void handleFetchResponse(BrokerAddress broker, List<FetchTarget> targets, FetchResponse response,
                                     Throwable error) {
        fetchesInFlight.remove(broker);
        long nowMs = System.currentTimeMillis();
        if (error != null) {
            if (!closed) {
                log.debug("fetch from {} failed: {}", broker, Rpc.transportFailure(error, "Fetch").getMessage());
            }
            metadata.requestRefresh();
            for (FetchTarget target : targets) {
                target.state.fetchInFlight = false;
                target.state.retryAtMs = nowMs + config.retryBackoffMs();
            }
            return;
        }
        Map<TopicPartition, FetchPartitionResponse> results = new HashMap<>();
        for (FetchTopicResponse topic : response.getTopicsList()) {
            for (FetchPartitionResponse partition : topic.getPartitionsList()) {
                results.put(new TopicPartition(topic.getTopic(), partition.getPartition()), partition);
            }
        }
        for (FetchTarget target : targets) {
            PartitionState state = target.state;
            state.fetchInFlight = false;
            if (state.generation != target.generation || assignment.get(state.tp) != state) {
                continue;
            }
            FetchPartitionResponse result = results.get(state.tp);
            if (result == null) {
                state.retryAtMs = nowMs + config.retryBackoffMs();
                continue;
            }
            ErrorCode code = result.getErrorCode();
            if (code == ErrorCode.NONE) {
                if (!result.getRecords().isEmpty()) {
                    CompletedFetch fetch = CompletedFetch.ofRecords(state.tp, target.fetchOffset,
                            result.getRecords().asReadOnlyByteBuffer(), config.checkCrcs());
                    if (fetch.nextFetchOffset() > target.fetchOffset) {
                        state.buffered.addLast(fetch);
                        state.nextFetchOffset = fetch.nextFetchOffset();
                    }
                }
            } else if (Errors.needsMetadataRefresh(code) || Errors.isRetriable(code)) {
                log.debug("fetch of {} failed with {}; retrying", state.tp, code);
                if (Errors.needsMetadataRefresh(code)) {
                    metadata.requestRefresh();
                }
                state.retryAtMs = nowMs + config.retryBackoffMs();
            } else {
                state.buffered.addLast(CompletedFetch.ofError(state.tp, target.fetchOffset, code,
                        result.getErrorMessage(), result.getLogStartOffset()));
            }
        }
    }

    // ---------------------------------------------------------------- offset resets

    private record ResetTarget(PartitionState state, int generation) {
    }

    private void sendListOffsets(long nowMs) {
        Cluster cluster = metadata.cluster();
        Map<BrokerAddress, List<ResetTarget>> byBroker = null;
        boolean needMetadata = false;
        for (PartitionState state : pollOrder) {
            if (state.position >= 0 || state.resetInFlight || state.retryAtMs > nowMs || state.reset == null
                    || state.reset == AutoOffsetReset.NONE) {
                continue;
            }
            BrokerAddress leader = cluster.leaderFor(state.tp.topic(), state.tp.partition());
            if (leader == null) {
                needMetadata = true;
                continue;
            }
            if (byBroker == null) {
                byBroker = new LinkedHashMap<>();
            }
            byBroker.computeIfAbsent(leader, b -> new ArrayList<>()).add(new ResetTarget(state, state.generation));
        }
        if (needMetadata) {
            metadata.requestRefresh();
        }
        if (byBroker != null) {
            byBroker.forEach(this::sendListOffsets);
        }
    }

    private void sendListOffsets(BrokerAddress broker, List<ResetTarget> targets) {
        Map<String, ListOffsetsTopic.Builder> topics = new LinkedHashMap<>();
        for (ResetTarget target : targets) {
            target.state.resetInFlight = true;
            long timestamp = target.state.reset == AutoOffsetReset.EARLIEST ? -2L : -1L;
            topics.computeIfAbsent(target.state.tp.topic(), t -> ListOffsetsTopic.newBuilder().setTopic(t))
                    .addPartitions(ListOffsetsPartition.newBuilder()
                            .setPartition(target.state.tp.partition()).setTimestamp(timestamp));
        }
        ListOffsetsRequest.Builder request = ListOffsetsRequest.newBuilder();
        topics.values().forEach(request::addTopics);
        ListOffsetsRequest listOffsets = request.build();
        Rpc.<ListOffsetsResponse>call(o -> channels.stub(broker)
                        .withDeadlineAfter(config.requestTimeoutMs(), TimeUnit.MILLISECONDS).listOffsets(listOffsets, o))
                .whenComplete((response, error) -> events.add(() -> handleListOffsetsResponse(targets, response,
                        error)));
    }

    private void handleListOffsetsResponse(List<ResetTarget> targets, ListOffsetsResponse response, Throwable error) {
        long nowMs = System.currentTimeMillis();
        Map<TopicPartition, ListOffsetsPartitionResponse> results = new HashMap<>();
        if (error == null) {
            for (ListOffsetsTopicResponse topic : response.getTopicsList()) {
                for (ListOffsetsPartitionResponse partition : topic.getPartitionsList()) {
                    results.put(new TopicPartition(topic.getTopic(), partition.getPartition()), partition);
                }
            }
        } else {
            log.debug("ListOffsets failed: {}", Rpc.transportFailure(error, "ListOffsets").getMessage());
            metadata.requestRefresh();
        }
        for (ResetTarget target : targets) {
            PartitionState state = target.state;
            state.resetInFlight = false;
            if (state.generation != target.generation || assignment.get(state.tp) != state) {
                continue;
            }
            ListOffsetsPartitionResponse result = results.get(state.tp);
            if (result != null && result.getErrorCode() == ErrorCode.NONE && result.getOffset() >= 0) {
                state.position = result.getOffset();
                state.nextFetchOffset = state.position;
                state.reset = null;
                continue;
            }
            if (result != null && Errors.needsMetadataRefresh(result.getErrorCode())) {
                metadata.requestRefresh();
            }
            if (result != null) {
                log.debug("ListOffsets for {} failed with {}: {}", state.tp, result.getErrorCode(),
                        result.getErrorMessage());
            }
            state.retryAtMs = nowMs + config.retryBackoffMs();
        }
    }

    // ---------------------------------------------------------------- groups

    /** Joins the consumer's group and reads the partitions of {@code topics} it is given. */
    public void subscribe(Collection<String> topics) {
        subscribe(topics, ConsumerRebalanceListener.NONE);
    }

    /**
     * Joins the consumer's group ({@code groupId}) and reads the partitions of {@code topics} the
     * group gives it, each from the group's committed offset (else per autoOffsetReset). The
     * listener hears of every partition that moves; it runs inside {@code poll}.
     */
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        requireGroup("subscribe");
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("subscribe to at least one topic (unsubscribe to leave the group)");
        }
        startSubscription(listener);
        membership.subscribe(topics);
    }

    /** As {@link #subscribe(Collection, ConsumerRebalanceListener)}, for every topic whose name matches. */
    public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
        requireGroup("subscribe");
        startSubscription(listener);
        membership.subscribe(pattern.pattern());
    }

    private void startSubscription(ConsumerRebalanceListener newListener) {
        ensureOpen();
        if (!subscribed && !assignment.isEmpty()) {
            throw new IllegalStateException("consumer has partitions assigned by hand: assign an empty list first");
        }
        if (membership.hasLeft()) {
            throw new IllegalStateException("consumer left its group: create a new consumer to join again");
        }
        listener = newListener == null ? ConsumerRebalanceListener.NONE : newListener;
        subscribed = true;
        nextAutoCommitAtMs = System.currentTimeMillis() + config.autoCommitIntervalMs();
    }

    /** Leaves the group (as {@link #close} does, without closing); the consumer may then assign by hand. */
    public void unsubscribe() {
        ensureOpen();
        if (subscribed) {
            leaveGroup();
        }
    }

    /** The member id this consumer has in its group (it chose it), or null without a group. */
    public String memberId() {
        return membership == null ? null : membership.memberId();
    }

    /** Stops fetching and returning records of these partitions until {@link #resume}; their positions stay. */
    public void pause(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> stateOrThrow(tp).paused = true);
    }

    public void resume(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> stateOrThrow(tp).paused = false);
    }

    public Set<TopicPartition> paused() {
        Set<TopicPartition> out = new LinkedHashSet<>();
        assignment.values().forEach(s -> {
            if (s.paused) {
                out.add(s.tp);
            }
        });
        return out;
    }

    /**
     * Commits the positions of every assigned partition (the offsets after the records poll
     * returned), waiting up to requestTimeoutMs. Called right after poll, before processing, it
     * gives at-most-once delivery; called after processing (or with auto commit), at-least-once.
     *
     * @throws CommitFailedException the group moved the partitions on (nothing was committed)
     */
    public void commitSync() {
        commitSync(positionsToCommit(assignment.keySet()));
    }

    /** Commits the given offsets for the group, waiting up to requestTimeoutMs; retriable failures are retried. */
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        requireGroup("commitSync");
        if (offsets.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs());
        while (true) {
            CompletableFuture<Void> done = enqueueCommit(offsets);
            awaitDone(done, deadline, "offset commit");
            try {
                done.join();
                return;
            } catch (CompletionException e) {
                RuntimeException cause = unwrap(e);
                if (!(cause instanceof TributaryException t) || !t.isRetriable() || System.nanoTime() >= deadline) {
                    throw cause;
                }
                awaitEvent(TimeUnit.MILLISECONDS.toNanos(config.retryBackoffMs()));
            }
        }
    }

    /** Commits the positions of every assigned partition without waiting; the callback runs inside a later poll. */
    public void commitAsync(OffsetCommitCallback callback) {
        requireGroup("commitAsync");
        Map<TopicPartition, OffsetAndMetadata> offsets = positionsToCommit(assignment.keySet());
        enqueueCommit(offsets).whenComplete((ok, failure) -> {
            if (callback != null) {
                callback.onComplete(offsets, failure == null ? null : unwrap(failure));
            }
        });
    }

    /** What the group has committed for these partitions (absent where nothing is), waiting up to requestTimeoutMs. */
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        requireGroup("committed");
        OffsetFetchRequest.Builder request = OffsetFetchRequest.newBuilder().setGroupId(config.groupId());
        byTopic(partitions).forEach((topic, numbers) ->
                request.addTopics(TopicPartitions.newBuilder().setTopic(topic).addAllPartitions(numbers)));
        OffsetFetchResponse response = Rpc.await(group.fetchOffsets(request.build()), config.requestTimeoutMs(), "OffsetFetch");
        if (response.getErrorCode() != ErrorCode.NONE) {
            throw TributaryException.forCode(response.getErrorCode(), response.getErrorMessage());
        }
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        for (OffsetFetchTopicResponse topic : response.getTopicsList()) {
            for (OffsetFetchPartitionResponse p : topic.getPartitionsList()) {
                if (p.getCommittedOffset() >= 0) {
                    out.put(new TopicPartition(topic.getTopic(), p.getPartition()),
                            new OffsetAndMetadata(p.getCommittedOffset(), p.getCommittedLeaderEpoch(), p.getMetadata()));
                }
            }
        }
        return out;
    }

    private void requireGroup(String what) {
        ensureOpen();
        if (membership == null) {
            throw new IllegalStateException(what + " needs a consumer group: set groupId in the ConsumerConfig");
        }
    }

    /** Heartbeats when due, gives up partitions whose lease ran out, and commits on the auto-commit interval. */
    private void groupStep(long nowMs) {
        if (groupFailure != null) {
            RuntimeException failure = groupFailure;
            groupFailure = null;
            throw failure;
        }
        if (!subscribed) {
            pumpCommits();
            return;
        }
        Set<TopicPartition> lost = membership.expireLease(nowMs);
        if (!lost.isEmpty()) {
            log.warn("group {}: no heartbeat answered for a session; giving up {} (another member may own them now)",
                    config.groupId(), lost);
            partitionsLost(lost);
        }
        ConsumerGroupHeartbeatRequest heartbeat = membership.heartbeatToSend(nowMs);
        if (heartbeat != null) {
            group.heartbeat(heartbeat).whenComplete((response, failure) -> events.add(() -> onHeartbeat(response, failure)));
        }
        if (config.enableAutoCommit() && membership.isMember() && nowMs >= nextAutoCommitAtMs) {
            nextAutoCommitAtMs = nowMs + config.autoCommitIntervalMs();
            Map<TopicPartition, OffsetAndMetadata> offsets = positionsToCommit(assignment.keySet());
            if (!offsets.isEmpty()) {
                enqueueCommit(offsets).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        log.debug("group {}: auto commit failed: {}", config.groupId(), unwrap(failure).getMessage());
                    }
                });
            }
        }
        pumpCommits();
    }

    private void onHeartbeat(ConsumerGroupHeartbeatResponse response, Throwable failure) {
        long nowMs = System.currentTimeMillis();
        if (failure != null) {
            log.debug("group {}: heartbeat failed: {}", config.groupId(), unwrap(failure).getMessage());
            membership.onNoResponse(nowMs);
            return;
        }
        GroupMembership.Change change;
        try {
            change = membership.onResponse(response, nowMs);
        } catch (GroupMembership.FatalGroupError e) {
            groupFailure = TributaryException.forCode(e.code(), e.getMessage());
            return;
        }
        if (!change.lost().isEmpty()) {
            log.warn("group {}: member {} was fenced ({}); giving up {}", config.groupId(), membership.memberId(),
                    response.getErrorCode(), change.lost());
            partitionsLost(change.lost());
        }
        if (!change.revoked().isEmpty()) {
            partitionsRevoked(change.revoked());
        }
        if (!change.assigned().isEmpty()) {
            partitionsAssigned(change.assigned());
        }
    }

    /** Revoked: no longer delivered (already), told to the listener, committed, then released to the group. */
    private void partitionsRevoked(Set<TopicPartition> revoked) {
        callListener(() -> listener.onPartitionsRevoked(revoked), "onPartitionsRevoked");
        Map<TopicPartition, OffsetAndMetadata> offsets = config.enableAutoCommit() ? positionsToCommit(revoked) : Map.of();
        removePartitions(revoked);
        if (offsets.isEmpty()) {
            membership.revocationDone();
            return;
        }
        enqueueCommit(offsets).whenComplete((ok, failure) -> {
            if (failure != null) {
                log.info("group {}: committing revoked {} failed ({}); their next owner re-reads from the last commit",
                        config.groupId(), revoked, unwrap(failure).getMessage());
            }
            membership.revocationDone();
        });
    }

    private void partitionsAssigned(Set<TopicPartition> assigned) {
        Set<String> topics = new HashSet<>();
        for (TopicPartition tp : assigned) {
            PartitionState state = new PartitionState(tp, null);
            state.needsCommittedOffset = true;
            assignment.put(tp, state);
            topics.add(tp.topic());
        }
        pollOrder = assignment.values().toArray(new PartitionState[0]);
        if (metadata.addTopics(topics)) {
            metadata.refresh();
        }
        callListener(() -> listener.onPartitionsAssigned(assigned), "onPartitionsAssigned");
    }

    private void partitionsLost(Set<TopicPartition> lost) {
        removePartitions(lost);
        callListener(() -> listener.onPartitionsLost(lost), "onPartitionsLost");
    }

    private void removePartitions(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            PartitionState removed = assignment.remove(tp);
            if (removed != null) {
                removed.invalidate();
            }
        }
        pollOrder = assignment.values().toArray(new PartitionState[0]);
    }

    private void callListener(Runnable call, String what) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.error("group {}: the rebalance listener's {} threw; going on", config.groupId(), what, e);
        }
    }

    /** Reads the group's committed offsets of partitions the group just gave this consumer. */
    private void sendCommittedOffsetFetches(long nowMs) {
        if (group == null) {
            return;
        }
        List<PartitionState> wanted = new ArrayList<>();
        for (PartitionState state : pollOrder) {
            if (state.needsCommittedOffset && !state.committedFetchInFlight && state.retryAtMs <= nowMs) {
                wanted.add(state);
            }
        }
        if (wanted.isEmpty()) {
            return;
        }
        OffsetFetchRequest.Builder request = OffsetFetchRequest.newBuilder().setGroupId(config.groupId());
        List<TopicPartition> tps = new ArrayList<>();
        wanted.forEach(s -> {
            s.committedFetchInFlight = true;
            tps.add(s.tp);
        });
        byTopic(tps).forEach((topic, numbers) ->
                request.addTopics(TopicPartitions.newBuilder().setTopic(topic).addAllPartitions(numbers)));
        group.fetchOffsets(request.build()).whenComplete((response, failure) ->
                events.add(() -> onCommittedOffsets(wanted, response, failure)));
    }

    private void onCommittedOffsets(List<PartitionState> asked, OffsetFetchResponse response, Throwable failure) {
        Map<TopicPartition, OffsetFetchPartitionResponse> found = new HashMap<>();
        if (failure == null && response.getErrorCode() == ErrorCode.NONE) {
            for (OffsetFetchTopicResponse topic : response.getTopicsList()) {
                topic.getPartitionsList().forEach(p -> found.put(new TopicPartition(topic.getTopic(), p.getPartition()), p));
            }
        }
        long nowMs = System.currentTimeMillis();
        for (PartitionState state : asked) {
            state.committedFetchInFlight = false;
            if (assignment.get(state.tp) != state || !state.needsCommittedOffset) {
                continue; // revoked or sought since
            }
            OffsetFetchPartitionResponse committed = found.get(state.tp);
            if (committed == null) {
                state.retryAtMs = nowMs + config.retryBackoffMs();
                continue;
            }
            state.needsCommittedOffset = false;
            if (committed.getCommittedOffset() >= 0) {
                state.position = committed.getCommittedOffset();
                state.positionEpoch = committed.getCommittedLeaderEpoch();
                state.nextFetchOffset = state.position;
            } else {
                state.reset = config.autoOffsetReset();
            }
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> positionsToCommit(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionState state = assignment.get(tp);
            if (state != null && state.position >= 0) {
                out.put(tp, new OffsetAndMetadata(state.position, state.positionEpoch, ""));
            }
        }
        return out;
    }

    private CompletableFuture<Void> enqueueCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        PendingCommit commit = new PendingCommit(Map.copyOf(offsets), new CompletableFuture<>());
        commits.addLast(commit);
        pumpCommits();
        return commit.done();
    }

    /** Sends the next commit once the one before it was answered. */
    private void pumpCommits() {
        if (commitInFlight || commits.isEmpty()) {
            return;
        }
        PendingCommit next = commits.pollFirst();
        boolean asMember = subscribed && membership.isMember();
        OffsetCommitRequest.Builder request = OffsetCommitRequest.newBuilder().setGroupId(config.groupId())
                .setMemberId(asMember ? membership.memberId() : "").setMemberEpoch(asMember ? membership.memberEpoch() : -1);
        Map<String, OffsetCommitTopic.Builder> topics = new LinkedHashMap<>();
        next.offsets().forEach((tp, offset) -> topics.computeIfAbsent(tp.topic(), t -> OffsetCommitTopic.newBuilder().setTopic(t))
                .addPartitions(OffsetCommitPartition.newBuilder().setPartition(tp.partition())
                        .setCommittedOffset(offset.offset()).setCommittedLeaderEpoch(offset.leaderEpoch())
                        .setMetadata(offset.metadata())));
        topics.values().forEach(request::addTopics);
        commitInFlight = true;
        group.commit(request.build()).whenComplete((response, failure) -> events.add(() -> {
            commitInFlight = false;
            if (failure != null) {
                next.done().completeExceptionally(unwrap(failure));
            } else {
                RuntimeException refused = commitRefusal(response);
                if (refused == null) {
                    next.done().complete(null);
                } else {
                    next.done().completeExceptionally(refused);
                }
            }
            pumpCommits();
        }));
    }

    private static RuntimeException commitRefusal(OffsetCommitResponse response) {
        if (response.getErrorCode() != ErrorCode.NONE) {
            return TributaryException.forCode(response.getErrorCode(), response.getErrorMessage());
        }
        for (OffsetCommitTopicResponse topic : response.getTopicsList()) {
            for (OffsetCommitPartitionResponse p : topic.getPartitionsList()) {
                if (p.getErrorCode() != ErrorCode.NONE) {
                    return TributaryException.forCode(p.getErrorCode(), topic.getTopic() + "-" + p.getPartition() + ": "
                            + p.getErrorMessage());
                }
            }
        }
        return null;
    }

    /** Gives up the partitions (committing them with auto commit) and leaves the group, waiting up to requestTimeoutMs. */
    private void leaveGroup() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs());
        Set<TopicPartition> owned = Set.copyOf(assignment.keySet());
        if (config.enableAutoCommit() && membership.isMember()) {
            try {
                commitSync(positionsToCommit(owned));
            } catch (TributaryException e) {
                log.info("group {}: committing on leave failed: {}", config.groupId(), e.getMessage());
            }
        }
        if (!owned.isEmpty()) {
            callListener(() -> listener.onPartitionsRevoked(owned), "onPartitionsRevoked");
        }
        removePartitions(owned);
        membership.leave();
        subscribed = false;
        CompletableFuture<Void> left = new CompletableFuture<>();
        while (!membership.hasLeft() && System.nanoTime() < deadline) {
            ConsumerGroupHeartbeatRequest leave = membership.heartbeatToSend(System.currentTimeMillis());
            if (leave != null) {
                group.heartbeat(leave).whenComplete((response, failure) -> events.add(() -> {
                    if (failure != null) {
                        membership.onNoResponse(System.currentTimeMillis());
                    } else {
                        membership.onResponse(response, System.currentTimeMillis());
                    }
                }));
            }
            awaitEvent(Math.min(deadline - System.nanoTime(), MAX_WAIT_SLICE_NS));
        }
        left.complete(null);
    }

    private void awaitDone(CompletableFuture<?> done, long deadlineNanos, String what) {
        while (!done.isDone()) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                throw new TimeoutException(what + " not answered in " + config.requestTimeoutMs() + " ms", false, null);
            }
            pumpCommits();
            awaitEvent(Math.min(remaining, MAX_WAIT_SLICE_NS));
        }
    }

    private static RuntimeException unwrap(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof RuntimeException r ? r : new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR,
                cause.toString(), false, true, cause);
    }

    private static Map<String, List<Integer>> byTopic(Collection<TopicPartition> partitions) {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        partitions.forEach(tp -> out.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        return out;
    }

    // ---------------------------------------------------------------- plumbing

    private void runPendingEvents() {
        Runnable event;
        while ((event = events.poll()) != null) {
            event.run();
        }
    }

    private void awaitEvent(long timeoutNs) {
        try {
            Runnable event = events.poll(timeoutNs, TimeUnit.NANOSECONDS);
            if (event != null) {
                event.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted while polling", true, e);
        }
        runPendingEvents();
    }

    private PartitionState stateOrThrow(TopicPartition tp) {
        ensureOpen();
        PartitionState state = assignment.get(tp);
        if (state == null) {
            throw new IllegalStateException(tp + " is not assigned to this consumer");
        }
        return state;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("consumer is closed");
        }
    }
}
