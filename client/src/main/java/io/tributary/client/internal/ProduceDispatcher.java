package io.tributary.client.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tributary.client.ProducerConfig;
import io.tributary.client.TimeoutException;
import io.tributary.client.TributaryException;
import io.tributary.proto.Errors;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.InitProducerIdRequest;
import io.tributary.proto.v1.InitProducerIdResponse;
import io.tributary.proto.v1.PartitionProduceData;
import io.tributary.proto.v1.PartitionProduceResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.ProduceResponse;
import io.tributary.proto.v1.TopicProduceData;
import io.tributary.proto.v1.TopicProduceResponse;
import io.tributary.record.RecordBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's sending rules: what to send when, and what each answer means. Single-threaded: the
 * {@link Sender} thread calls {@link #poll} in a loop and runs the completions this class hands to
 * its completion sink; a simulation does the same on a simulated clock with a simulated
 * {@link ProducerTransport}. Each poll (1) expires batches past deliveryTimeoutMs, (2) drains ready
 * batches of partitions that may send into one ProduceRequest per leader (several partitions,
 * several back-to-back batches per partition, at most maxRequestSize bytes, at most
 * maxInFlightRequestsPerConnection requests per broker), and returns when it should next run. Time
 * comes from the injected clock; requests go through the injected transport.
 *
 * <p>Retries: definite, retriable errors are retried (after backoff and a metadata refresh where
 * the error calls for one) within deliveryTimeoutMs. With idempotence (the default) the sender first
 * gets a producer id (InitProducerId, from any broker), every batch carries it and a per-partition
 * base sequence assigned when the batch is first drained and kept across retries, and indefinite
 * failures (REQUEST_TIMED_OUT, STORAGE_ERROR, transport errors, deadlines) are retried too: the
 * broker answers a duplicate with its original offset. Without idempotence indefinite failures fail
 * the records with an indefinite exception and are never retried, since a retry could duplicate.
 * Ordering across retries: see {@link PartitionQueue} (one request per partition in flight without
 * idempotence, up to maxInFlightRequestsPerConnection with it).
 *
 * <p>When a batch that already has a sequence fails for good, the partition's sequence numbers
 * no longer match the broker's. As Kafka's idempotent producer does since KIP-360, the sender then
 * bumps its producer epoch (locally; a new producer id only when the epoch is exhausted) once every
 * request in flight has answered, so no batch of the new epoch overtakes one of the old. Queued
 * batches that never failed indefinitely are renumbered from 0 in the new epoch; a batch whose fate
 * is unknown (an earlier attempt failed indefinitely: it may be in the log) is never re-sent under
 * the new epoch, which could write it twice: it fails with an indefinite error instead. A batch
 * that ever failed indefinitely is reported as indefinite whatever its last error.
 */
public final class ProduceDispatcher {
    private static final Logger log = LoggerFactory.getLogger(ProduceDispatcher.class);
    /** The longest a poll lets pass before the next (metadata age, expiry). */
    static final long MAX_POLL_INTERVAL_MS = 100;
    /** An unanswered request older than this makes the dispatcher look for a moved leader. */
    static final long SLOW_REQUEST_MS = 500;
    /**
     * Idempotence: how far past its oldest unanswered batch a partition may send, in batches. A
     * partition leader keeps each producer's last 32 batches (the broker's
     * ProducerStateManager.MAX_RETAINED_BATCHES) to answer retries with their original offsets; a
     * retry of an older batch gets DUPLICATE_SEQUENCE_NUMBER, an unknown outcome. (Kafka's brokers
     * keep 5, and its producer sends one batch per partition per request; this producer sends several.)
     */
    static final int MAX_UNACKNOWLEDGED_BATCHES = 32;

    private final ProducerConfig config;
    private final RecordAccumulator accumulator;
    private final ProducerMetadata metadata;
    private final ProducerTransport transport;
    private final LongSupplier clockMs;
    /** Where transport callbacks hand their completions: run them on the dispatcher's thread. */
    private final Consumer<Runnable> completionSink;
    private final boolean idempotent;
    private final List<BrokerAddress> bootstrap;
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    /**
     * A sequenced batch of the current epoch failed for good: bump the epoch once no request is in
     * flight, and drain nothing until then.
     */
    private boolean epochBumpPending;
    private boolean initInFlight;
    private long initRetryAtMs;
    private int initAttempts;
    private TributaryException lastInitFailure;
    private final Map<BrokerAddress, Integer> inFlightPerBroker = new HashMap<>();
    /** Produce requests sent and not yet answered or abandoned, oldest first. */
    private final java.util.Set<RequestBuilder> inFlight = new java.util.LinkedHashSet<>();
    private int inFlightRequests;
    /** Closing: send everything queued at once (no linger). */
    private boolean closing;
    /** Force-closing: send nothing more; in-flight answers fail instead of retrying. */
    private boolean forceClose;

    public ProduceDispatcher(ProducerConfig config, RecordAccumulator accumulator, ProducerMetadata metadata,
                             ProducerTransport transport, LongSupplier clockMs, Consumer<Runnable> completionSink) {
        this.config = config;
        this.accumulator = accumulator;
        this.metadata = metadata;
        this.transport = transport;
        this.clockMs = clockMs;
        this.completionSink = completionSink;
        this.idempotent = config.enableIdempotence();
        this.bootstrap = BrokerAddress.parseAll(config.bootstrapServers());
    }

    /** Sends what is ready at {@code nowMs}; returns when the next poll is due (sooner if woken). */
    public long poll(long nowMs) {
        if (idempotent && !forceClose) {
            abandonRequestsToMovedLeaders(nowMs);
        }
        long nextPollMs = forceClose ? nowMs + MAX_POLL_INTERVAL_MS : sendReady(nowMs);
        if (nowMs - metadata.cluster().updatedAtMs() > config.metadataMaxAgeMs()) {
            metadata.requestRefresh();
        }
        return nextPollMs;
    }

    /** Records queued or requests unanswered. */
    public boolean hasPendingWork() {
        return accumulator.hasIncomplete() || inFlightRequests > 0;
    }

    /** From now on send everything queued without lingering. */
    public void beginClose() {
        closing = true;
    }

    /** From now on send nothing: queued records fail (definite), answers are not retried. */
    public void beginForceClose() {
        closing = true;
        forceClose = true;
        abortQueued();
    }

    /** Drains and sends what is ready; returns when the loop should next wake. */
    private long sendReady(long nowMs) {
        long nextWakeMs = nowMs + MAX_POLL_INTERVAL_MS;
        boolean flush = accumulator.flushInProgress() || closing;
        if (epochBumpPending && inFlightRequests == 0) {
            bumpEpoch();
        }
        Cluster cluster = metadata.cluster();
        Map<BrokerAddress, RequestBuilder> requests = new LinkedHashMap<>();
        boolean needMetadata = false;
        boolean wantProducerId = false;
        for (PartitionQueue[] queues : accumulator.queues()) {
            for (PartitionQueue queue : queues) {
                expire(queue, nowMs);
                if (epochBumpPending || !canSend(queue)) {
                    continue;
                }
                if (idempotent && producerId == RecordBatch.NO_PRODUCER_ID) { // none yet, or reset by expire()
                    synchronized (queue) {
                        wantProducerId |= !queue.batches.isEmpty();
                    }
                    continue;
                }
                if (queue.retryAtMs > nowMs) {
                    nextWakeMs = Math.min(nextWakeMs, queue.retryAtMs);
                    continue;
                }
                long readyAtMs = readyAtMs(queue, flush);
                if (readyAtMs == Long.MAX_VALUE) {
                    continue;
                }
                if (readyAtMs > nowMs) {
                    nextWakeMs = Math.min(nextWakeMs, readyAtMs);
                    continue;
                }
                BrokerAddress leader = cluster.leaderFor(queue.topic, queue.partition);
                if (leader == null) {
                    needMetadata = true;
                    continue;
                }
                RequestBuilder request = requests.get(leader);
                if (request == null) {
                    if (inFlightPerBroker.getOrDefault(leader, 0) >= config.maxInFlightRequestsPerConnection()) {
                        continue;
                    }
                    request = new RequestBuilder(leader);
                    requests.put(leader, request);
                }
                if (request.sizeInBytes >= config.maxRequestSize()) {
                    nextWakeMs = nowMs; // more to send once this request is out
                    continue;
                }
                drain(queue, request, flush, nowMs);
            }
        }
        for (RequestBuilder request : requests.values()) {
            if (!request.partitions.isEmpty()) {
                send(request);
            }
        }
        if (needMetadata) {
            metadata.requestRefresh();
        }
        if (wantProducerId) {
            if (initRetryAtMs > nowMs) {
                nextWakeMs = Math.min(nextWakeMs, initRetryAtMs);
            } else {
                initProducerId();
            }
        }
        return nextWakeMs;
    }

    /** Asks a broker (any: a known one, else a bootstrap address, in turn) for a producer id. */
    private void initProducerId() {
        if (initInFlight) {
            return;
        }
        List<BrokerAddress> candidates = new ArrayList<>(metadata.cluster().brokers().values());
        if (candidates.isEmpty()) {
            candidates = bootstrap;
        }
        BrokerAddress broker = candidates.get(Math.floorMod(initAttempts++, candidates.size()));
        initInFlight = true;
        InitProducerIdRequest request = InitProducerIdRequest.getDefaultInstance();
        transport.initProducerId(broker, request, config.requestTimeoutMs())
                .whenComplete((response, error) -> completionSink.accept(() -> handleInitProducerId(broker, response, error)));
    }

    private void handleInitProducerId(BrokerAddress broker, InitProducerIdResponse response, Throwable error) {
        initInFlight = false;
        long nowMs = clockMs.getAsLong();
        TributaryException failure;
        if (error != null) {
            failure = Rpc.transportFailure(error, "InitProducerId to " + broker);
            metadata.requestRefresh();
        } else if (response.getErrorCode() == ErrorCode.NONE) {
            producerId = response.getProducerId();
            producerEpoch = (short) response.getProducerEpoch();
            lastInitFailure = null;
            log.debug("producer id {} epoch {} from {}", producerId, producerEpoch, broker);
            return;
        } else {
            failure = TributaryException.forCode(response.getErrorCode(),
                    "InitProducerId to " + broker + ": " + response.getErrorMessage());
            if (!failure.isRetriable()) {
                // the cluster refuses a producer id: nothing queued can be sent idempotently
                log.warn("InitProducerId failed: {}", failure.getMessage());
                abortQueued(failure);
            }
        }
        log.debug("InitProducerId failed, retrying: {}", failure.getMessage());
        lastInitFailure = failure;
        initRetryAtMs = nowMs + config.retryBackoffMs();
    }

    /**
     * KIP-360's epoch bump, run once every request of the old epoch has answered: the next batches
     * start again at sequence 0 under epoch + 1 (or, when the epoch is exhausted, under a new
     * producer id). The brokers fence the old epoch from then on. Queued batches that may already be
     * in the log (an earlier attempt failed indefinitely) fail as indefinite instead of being
     * renumbered; the others are renumbered when drained.
     */
    private void bumpEpoch() {
        epochBumpPending = false;
        long oldProducerId = producerId;
        short oldEpoch = producerEpoch;
        if (producerEpoch == Short.MAX_VALUE) {
            producerId = RecordBatch.NO_PRODUCER_ID; // fetched again before anything is sent
            producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
        } else {
            producerEpoch++;
        }
        log.debug("producer id {}: epoch {} bumped to {} (producer id now {})", oldProducerId, oldEpoch,
                producerEpoch, producerId);
        for (PartitionQueue[] queues : accumulator.queues()) {
            for (PartitionQueue queue : queues) {
                queue.nextSequence = 0;
                queue.unacknowledged.clear();
                queue.resendPending = false;
                List<ProducerBatch> unknownFate = new ArrayList<>();
                synchronized (queue) {
                    java.util.Iterator<ProducerBatch> it = queue.batches.iterator();
                    while (it.hasNext()) {
                        ProducerBatch batch = it.next();
                        if (batch.hasSequence() && batch.indefiniteFailure != null) {
                            it.remove();
                            batch.close();
                            unknownFate.add(batch);
                        } else if (batch.hasSequence()) {
                            batch.setProducerState(RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH,
                                    RecordBatch.NO_SEQUENCE);
                        }
                    }
                }
                for (ProducerBatch batch : unknownFate) {
                    fail(batch, notResentUnderANewEpoch(batch));
                }
            }
        }
    }

    private static TributaryException notResentUnderANewEpoch(ProducerBatch batch) {
        TributaryException earlier = batch.indefiniteFailure;
        return new TributaryException(earlier.code(), batch.recordCount() + " record(s) for " + batch.queue
                + " may have been written under producer " + batch.producerId + " epoch " + batch.producerEpoch
                + " (" + earlier.getMessage() + "); not re-sent under the new epoch, which could write them twice",
                false, false, earlier);
    }

    /** When the head batch is ready (0 = now), or Long.MAX_VALUE when the queue is empty. */
    private long readyAtMs(PartitionQueue queue, boolean flush) {
        synchronized (queue) {
            ProducerBatch head = queue.batches.peekFirst();
            if (head == null) {
                return Long.MAX_VALUE;
            }
            if (flush || queue.batches.size() > 1 || head.isFull() || head.isClosed()) {
                return 0;
            }
            return head.createdMs + config.lingerMs();
        }
    }

    private void drain(PartitionQueue queue, RequestBuilder request, boolean flush, long nowMs) {
        List<ProducerBatch> drained = new ArrayList<>(2);
        synchronized (queue) {
            ProducerBatch head = queue.batches.peekFirst();
            if (idempotent && head != null && head.requestGroup >= 0) {
                drainRetry(queue, request, drained);
            } else {
                drainFresh(queue, request, flush, nowMs, drained);
            }
        }
        if (!drained.isEmpty()) {
            if (idempotent && queue.unacknowledged.peekFirst() != drained.get(0)) {
                request.pipelined.add(queue); // sent while an earlier batch of the partition was unanswered
            }
            if (queue.inFlight == 0) {
                queue.resendPending = false; // the re-queued batches lead this request, in order
            }
            queue.inFlight++;
            request.partitions.put(queue, drained);
        }
    }

    /**
     * Whether another request may carry this partition's batches: one at a time without
     * idempotence; with it up to maxInFlightRequestsPerConnection, but only one at a time while
     * re-queued batches are resent. Each retry goes alone and must reach the leader in order: a
     * retry sent behind another that the leader takes second fails out of order and is re-queued
     * again, and after a long outage with many batches waiting that churn left a producer making
     * almost no progress until its batches expired (the chaos harness and the producer simulation
     * saw it).
     */
    private boolean canSend(PartitionQueue queue) {
        if (!idempotent) {
            return queue.inFlight == 0;
        }
        if (queue.resendPending || headIsRetry(queue)) {
            return queue.inFlight == 0;
        }
        return queue.inFlight < config.maxInFlightRequestsPerConnection();
    }

    private static boolean headIsRetry(PartitionQueue queue) {
        synchronized (queue) {
            ProducerBatch head = queue.batches.peekFirst();
            return head != null && head.requestGroup >= 0;
        }
    }

    /**
     * A retry. A leader appends a request's batches all or none, and answers a request made only of
     * batches it already holds with their original offsets, but refuses one that mixes held and
     * new batches. A batch whose outcome is unknown (an attempt failed indefinitely: after a leader
     * change the new leader may hold it or not) therefore goes alone, in a request group of its
     * own, and is then wholly a duplicate or wholly new. Batches that only ever failed definitely
     * were never appended: the run of them at the head of the queue goes together, so that a
     * producer with many batches re-queued (out-of-order answers to pipelined requests) catches up
     * in one round trip instead of one per batch.
     */
    private void drainRetry(PartitionQueue queue, RequestBuilder request, List<ProducerBatch> drained) {
        long group = queue.nextRequestGroup;
        ProducerBatch batch;
        while ((batch = queue.batches.peekFirst()) != null && batch.requestGroup >= 0) {
            boolean unknownOutcome = batch.indefiniteFailure != null;
            if (!drained.isEmpty() && (unknownOutcome
                    || request.sizeInBytes + batch.sizeInBytes() > config.maxRequestSize())) {
                break;
            }
            if (drained.isEmpty() && request.sizeInBytes > 0
                    && request.sizeInBytes + batch.sizeInBytes() > config.maxRequestSize()) {
                return;
            }
            queue.batches.pollFirst();
            batch.requestGroup = group;
            drained.add(batch);
            request.sizeInBytes += batch.sizeInBytes();
            if (unknownOutcome) {
                break;
            }
        }
        queue.nextRequestGroup++;
    }

    /**
     * Batches never sent: as many ready ones as fit the request, and with idempotence as long as
     * the partition has fewer than {@link #MAX_UNACKNOWLEDGED_BATCHES} unanswered; they get their
     * sequences and one new request group.
     */
    private void drainFresh(PartitionQueue queue, RequestBuilder request, boolean flush, long nowMs,
                            List<ProducerBatch> drained) {
        long group = queue.nextRequestGroup;
        ProducerBatch batch;
        while ((batch = queue.batches.peekFirst()) != null && batch.requestGroup < 0) {
            boolean last = queue.batches.size() == 1;
            if (last && !(flush || batch.isFull() || batch.isClosed()
                    || nowMs - batch.createdMs >= config.lingerMs())) {
                break;
            }
            if (!drained.isEmpty() && request.sizeInBytes + batch.sizeInBytes() > config.maxRequestSize()) {
                break;
            }
            if (idempotent && !withinRetainedWindow(queue, batch)) {
                break;
            }
            batch.close();
            queue.batches.pollFirst();
            if (batch.drainOrder < 0) {
                batch.drainOrder = queue.nextDrainOrder++;
            }
            if (idempotent) {
                batch.setProducerState(producerId, producerEpoch, queue.nextSequence);
                batch.requestGroup = group;
                queue.nextSequence = nextSequence(queue.nextSequence, batch.recordCount());
                queue.unacknowledged.add(batch);
            }
            drained.add(batch);
            request.sizeInBytes += batch.sizeInBytes();
        }
        if (!drained.isEmpty()) {
            queue.nextRequestGroup++;
        }
    }

    /**
     * Whether sending {@code batch} keeps the partition's oldest unanswered batch among the last
     * {@link #MAX_UNACKNOWLEDGED_BATCHES} the leader remembers: counted in drained batches from the
     * oldest unanswered one, answered ones included, since the leader's window slides with every
     * batch it appends. Otherwise a retry of the oldest could find the leader no longer knows it.
     */
    private static boolean withinRetainedWindow(PartitionQueue queue, ProducerBatch batch) {
        ProducerBatch oldest = queue.unacknowledged.peekFirst();
        if (oldest == null) {
            return true;
        }
        long order = batch.drainOrder >= 0 ? batch.drainOrder : queue.nextDrainOrder;
        return order - oldest.drainOrder < MAX_UNACKNOWLEDGED_BATCHES;
    }

    /** The sequence after a batch of {@code count} records starting at {@code sequence}; wraps to 0. */
    static int nextSequence(int sequence, int count) {
        long next = (long) sequence + count;
        return next > Integer.MAX_VALUE ? (int) (next - Integer.MAX_VALUE - 1) : (int) next;
    }

    private void expire(PartitionQueue queue, long nowMs) {
        List<ProducerBatch> expired = null;
        synchronized (queue) {
            ProducerBatch head;
            while ((head = queue.batches.peekFirst()) != null && nowMs - head.createdMs >= config.deliveryTimeoutMs()) {
                head.close();
                queue.batches.pollFirst();
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(head);
            }
        }
        if (expired != null) {
            for (ProducerBatch batch : expired) {
                TributaryException cause = batch.indefiniteFailure != null ? batch.indefiniteFailure
                        : lastInitFailure;
                fail(batch, new TimeoutException("expiring " + batch.recordCount() + " record(s) for " + queue + ": "
                        + (nowMs - batch.createdMs) + " ms has passed since batch creation (deliveryTimeoutMs="
                        + config.deliveryTimeoutMs() + ")"
                        + (cause == null ? "" : "; last error: " + cause.getMessage()),
                        batch.indefiniteFailure == null, cause));
            }
        }
    }

    void abortQueued() {
        abortQueued(null);
    }

    private void abortQueued(TributaryException cause) {
        for (PartitionQueue[] queues : accumulator.queues()) {
            for (PartitionQueue queue : queues) {
                List<ProducerBatch> aborted;
                synchronized (queue) {
                    aborted = new ArrayList<>(queue.batches);
                    queue.batches.clear();
                    aborted.forEach(ProducerBatch::close);
                }
                for (ProducerBatch batch : aborted) {
                    if (cause != null && batch.indefiniteFailure == null) {
                        fail(batch, cause);
                    } else {
                        fail(batch, new TimeoutException("producer closed before " + batch.recordCount()
                                + " record(s) for " + queue + " were sent", batch.indefiniteFailure == null,
                                batch.indefiniteFailure));
                    }
                }
            }
        }
    }

    private void send(RequestBuilder request) {
        ProduceRequest.Builder builder = ProduceRequest.newBuilder()
                .setAcks(config.acks())
                .setTimeoutMs(config.requestTimeoutMs());
        Map<String, TopicProduceData.Builder> byTopic = new LinkedHashMap<>();
        for (Map.Entry<PartitionQueue, List<ProducerBatch>> entry : request.partitions.entrySet()) {
            PartitionQueue queue = entry.getKey();
            ByteString records = ByteString.EMPTY;
            for (ProducerBatch batch : entry.getValue()) {
                batch.attempts++;
                records = records.concat(UnsafeByteOperations.unsafeWrap(batch.buffer()));
            }
            byTopic.computeIfAbsent(queue.topic, t -> TopicProduceData.newBuilder().setTopic(t))
                    .addPartitions(PartitionProduceData.newBuilder().setPartition(queue.partition).setRecords(records));
        }
        for (TopicProduceData.Builder topic : byTopic.values()) {
            builder.addTopics(topic);
        }
        ProduceRequest produce = builder.build();
        BrokerAddress broker = request.broker;
        request.sentMs = clockMs.getAsLong();
        Cluster cluster = metadata.cluster();
        for (PartitionQueue queue : request.partitions.keySet()) {
            request.leaderEpochs.put(queue, cluster.leaderEpochFor(queue.topic, queue.partition));
        }
        inFlight.add(request);
        inFlightPerBroker.merge(broker, 1, Integer::sum);
        inFlightRequests++;
        transport.produce(broker, produce, config.requestTimeoutMs())
                .whenComplete((response, error) -> completionSink.accept(() -> handleProduceResponse(request, response, error)));
    }

    private void handleProduceResponse(RequestBuilder request, ProduceResponse response, Throwable error) {
        if (!inFlight.remove(request)) {
            return; // abandoned: its batches were already put back to be resent to the new leader
        }
        inFlightPerBroker.merge(request.broker, -1, Integer::sum);
        inFlightRequests--;
        long nowMs = clockMs.getAsLong();
        if (error != null) {
            TributaryException failure = Rpc.transportFailure(error, "Produce to " + request.broker);
            log.debug("produce request to {} failed: {}", request.broker, failure.getMessage());
            metadata.requestRefresh();
            for (Map.Entry<PartitionQueue, List<ProducerBatch>> entry : request.partitions.entrySet()) {
                entry.getKey().inFlight--;
                if (idempotent && !forceClose) {
                    retry(entry.getKey(), entry.getValue(), failure, nowMs);
                } else {
                    entry.getValue().forEach(b -> fail(b, failure));
                }
            }
            return;
        }
        Map<String, Map<Integer, PartitionProduceResponse>> results = new HashMap<>();
        for (TopicProduceResponse topic : response.getTopicsList()) {
            Map<Integer, PartitionProduceResponse> partitions = results.computeIfAbsent(topic.getTopic(),
                    t -> new HashMap<>());
            for (PartitionProduceResponse partition : topic.getPartitionsList()) {
                partitions.put(partition.getPartition(), partition);
            }
        }
        for (Map.Entry<PartitionQueue, List<ProducerBatch>> entry : request.partitions.entrySet()) {
            PartitionQueue queue = entry.getKey();
            queue.inFlight--;
            PartitionProduceResponse result = results.getOrDefault(queue.topic, Map.of()).get(queue.partition);
            handlePartitionResult(queue, entry.getValue(), result, request.pipelined.contains(queue), nowMs);
        }
    }

    private void handlePartitionResult(PartitionQueue queue, List<ProducerBatch> batches,
                                       PartitionProduceResponse result, boolean pipelined, long nowMs) {
        if (result == null) {
            TributaryException missing = TributaryException.forCode(ErrorCode.UNKNOWN_SERVER_ERROR,
                    "produce response has no result for " + queue);
            batches.forEach(b -> fail(b, missing));
            return;
        }
        ErrorCode code = result.getErrorCode();
        if (code == ErrorCode.NONE) {
            long offset = result.getBaseOffset();
            for (ProducerBatch batch : batches) {
                queue.unacknowledged.remove(batch);
                accumulator.deallocate(batch); // first: a flush woken by the completion sees the memory back
                batch.complete(offset, result.getLogAppendTimeMs());
                if (offset >= 0) {
                    offset += batch.recordCount();
                }
            }
            return;
        }
        TributaryException failure = TributaryException.forCode(code, queue + ": " + result.getErrorMessage());
        if (Errors.needsMetadataRefresh(code)) {
            metadata.requestRefresh();
        }
        if (code == ErrorCode.OUT_OF_ORDER_SEQUENCE && idempotent && !forceClose
                && (pipelined || !isCurrentEpoch(batches.get(0)))) {
            // Sent behind an earlier, unanswered batch of the partition: the broker may have taken
            // it first (requests on one connection are not ordered), or the earlier one failed. Not a
            // real gap: resend in order. A real gap shows again when the batch is resent as the oldest.
            retry(queue, batches, failure, nowMs);
            return;
        }
        if (!failure.isRetriable() || (!failure.isDefinite() && !(idempotent && !forceClose))) {
            batches.forEach(b -> fail(b, failure));
            return;
        }
        retry(queue, batches, failure, nowMs);
    }

    /**
     * Puts batches back at the head of their queue to be resent after backoff (with their sequences),
     * failing those that would pass deliveryTimeoutMs.
     */
    private void retry(PartitionQueue queue, List<ProducerBatch> batches, TributaryException failure, long nowMs) {
        long retryAtMs = nowMs + config.retryBackoffMs();
        List<ProducerBatch> retry = new ArrayList<>(batches.size());
        for (ProducerBatch batch : batches) {
            if (!failure.isDefinite() && batch.indefiniteFailure == null) {
                batch.indefiniteFailure = failure;
            }
            TributaryException last = failure.isDefinite() && batch.indefiniteFailure != null
                    ? batch.indefiniteFailure : failure;
            if (retryAtMs - batch.createdMs >= config.deliveryTimeoutMs()) {
                fail(batch, last);
            } else {
                if (batch.hasSequence() && !isCurrentEpoch(batch)) {
                    // sent under an epoch since bumped (bumpEpoch waits for requests in flight, so
                    // this is a safeguard): the same rule as the bump's
                    if (batch.indefiniteFailure != null) {
                        fail(batch, notResentUnderANewEpoch(batch));
                        continue;
                    }
                    batch.setProducerState(RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH,
                            RecordBatch.NO_SEQUENCE);
                }
                retry.add(batch);
            }
        }
        if (!retry.isEmpty()) {
            log.debug("retrying {} batch(es) for {} after {}", retry.size(), queue, failure.getMessage());
            synchronized (queue) {
                // Re-queued batches from several failed requests go back in their first drain order.
                while (!queue.batches.isEmpty() && queue.batches.peekFirst().drainOrder >= 0) {
                    retry.add(queue.batches.pollFirst());
                }
                retry.sort(java.util.Comparator.comparingLong(b -> b.drainOrder));
                for (int i = retry.size() - 1; i >= 0; i--) {
                    queue.batches.addFirst(retry.get(i));
                }
            }
            queue.retryAtMs = retryAtMs;
            queue.resendPending = true;
        }
    }

    /**
     * Fails a batch for good. A batch that ever failed indefinitely is reported as indefinite (it may
     * be in the log), whatever its last error. A sequenced batch of the current epoch leaves a hole
     * in the partition's sequence, so the epoch is bumped, except after DUPLICATE_SEQUENCE_NUMBER:
     * the leader has moved past that sequence and the ones after it still fit.
     */
    private void fail(ProducerBatch batch, TributaryException failure) {
        TributaryException reported = failure;
        if (failure.isDefinite() && batch.indefiniteFailure != null) {
            reported = new TributaryException(failure.code(), failure.getMessage() + "; an earlier attempt failed "
                    + "indefinitely (" + batch.indefiniteFailure.getMessage() + "), so the records may have been written",
                    false, false, failure);
        }
        accumulator.deallocate(batch);
        batch.fail(reported);
        if (idempotent && batch.hasSequence()) {
            batch.queue.unacknowledged.remove(batch);
            if (isCurrentEpoch(batch) && failure.code() != ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
                epochBumpPending = true;
            }
        }
    }

    private boolean isCurrentEpoch(ProducerBatch batch) {
        return batch.producerId == producerId && batch.producerEpoch == producerEpoch;
    }

    /**
     * A request unanswered while the metadata already names another leader (at a newer leader epoch)
     * for one of its partitions waits on a leader that is gone, paused or cut off, often until its
     * deadline. With idempotence it need not: its batches are put back (their outcome unknown, their
     * sequences kept) and resent to the new leader at once, which answers a batch the old one had
     * replicated with its original offset. A request unanswered for {@link #SLOW_REQUEST_MS} asks for
     * fresher metadata, so that such a move is seen in time.
     */
    private void abandonRequestsToMovedLeaders(long nowMs) {
        if (inFlight.isEmpty()) {
            return;
        }
        Cluster cluster = metadata.cluster();
        boolean slow = false;
        for (RequestBuilder request : List.copyOf(inFlight)) {
            String moved = movedPartition(request, cluster);
            if (moved != null) {
                abandon(request, moved, nowMs);
            } else {
                slow |= nowMs - request.sentMs >= SLOW_REQUEST_MS;
            }
        }
        if (slow) {
            metadata.requestRefresh();
        }
    }

    /** A partition of the request whose leader moved to another broker at a newer epoch, or null. */
    private static String movedPartition(RequestBuilder request, Cluster cluster) {
        for (Map.Entry<PartitionQueue, Integer> sent : request.leaderEpochs.entrySet()) {
            PartitionQueue queue = sent.getKey();
            BrokerAddress leader = cluster.leaderFor(queue.topic, queue.partition);
            if (leader != null && !leader.equals(request.broker)
                    && cluster.leaderEpochFor(queue.topic, queue.partition) > sent.getValue()) {
                return queue + " (now led by " + leader + ")";
            }
        }
        return null;
    }

    private void abandon(RequestBuilder request, String moved, long nowMs) {
        inFlight.remove(request);
        inFlightPerBroker.merge(request.broker, -1, Integer::sum);
        inFlightRequests--;
        TributaryException unknown = new TimeoutException("the leader of " + moved + " changed while a request to "
                + request.broker + " was unanswered; resent to the new leader", false, null);
        log.debug("abandoning a produce request to {}: {}", request.broker, unknown.getMessage());
        for (Map.Entry<PartitionQueue, List<ProducerBatch>> entry : request.partitions.entrySet()) {
            entry.getKey().inFlight--;
            retry(entry.getKey(), entry.getValue(), unknown, nowMs);
        }
    }

    /** The batches of one produce request to one broker. */
    private static final class RequestBuilder {
        final BrokerAddress broker;
        final Map<PartitionQueue, List<ProducerBatch>> partitions = new LinkedHashMap<>();
        /** Each partition's leader epoch in the metadata when the request was sent. */
        final Map<PartitionQueue, Integer> leaderEpochs = new HashMap<>();
        long sentMs;
        /** Partitions whose batches here were drained while an earlier batch of theirs was unanswered. */
        final java.util.Set<PartitionQueue> pipelined = new java.util.HashSet<>();
        int sizeInBytes;

        RequestBuilder(BrokerAddress broker) {
            this.broker = broker;
        }
    }
}
