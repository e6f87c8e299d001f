package io.tributary.client;

import io.tributary.client.internal.BrokerAddress;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.Cluster;
import io.tributary.client.internal.CompletedFetch;
import io.tributary.client.internal.MetadataManager;
import io.tributary.client.internal.Rpc;
import io.tributary.proto.Errors;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
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
import java.util.concurrent.LinkedBlockingQueue;
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
    }

    public ConsumerConfig config() {
        return config;
    }

    /** Replaces the assignment. Partitions kept keep their positions; new ones start without one. */
    public void assign(Collection<TopicPartition> partitions) {
        ensureOpen();
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
        state.reset = null;
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
            checkResettable(state);
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
        if (assignment.isEmpty()) {
            throw new IllegalStateException("consumer has no assigned partitions");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            runPendingEvents();
            long nowMs = System.currentTimeMillis();
            for (PartitionState state : pollOrder) {
                if (state.position < 0) {
                    checkResettable(state);
                }
            }
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

    /** Closes the connections; in-flight fetches are abandoned. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        channels.close();
    }

    // ---------------------------------------------------------------- collecting

    private List<ConsumerRecord> collect() {
        List<ConsumerRecord> out = new ArrayList<>();
        int max = config.maxPollRecords();
        int count = pollOrder.length;
        for (int i = 0; i < count && out.size() < max; i++) {
            PartitionState state = pollOrder[(nextPollIndex + i) % count];
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
                    state.position = fetch.drain(out, max, state.position);
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
            if (state.position < 0 || state.fetchInFlight || state.retryAtMs > nowMs
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
