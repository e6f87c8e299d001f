package io.tributary.client.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tributary.client.ProducerConfig;
import io.tributary.client.TimeoutException;
import io.tributary.client.TributaryException;
import io.tributary.proto.Errors;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.PartitionProduceData;
import io.tributary.proto.v1.PartitionProduceResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.ProduceResponse;
import io.tributary.proto.v1.TopicProduceData;
import io.tributary.proto.v1.TopicProduceResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's single I/O thread. Each loop it (1) handles produce responses handed over by the
 * transport, (2) expires batches past deliveryTimeoutMs, (3) drains ready batches of partitions
 * with no request in flight into one ProduceRequest per leader (several partitions, several
 * back-to-back batches per partition, at most maxRequestSize bytes, at most
 * maxInFlightRequestsPerConnection requests per broker), then parks until the next linger deadline
 * or a wake-up.
 *
 * <p>Retries: only definite, retriable errors are retried (after backoff and a metadata refresh
 * where the error calls for one) within deliveryTimeoutMs; indefinite failures fail the records
 * with an indefinite exception and are never retried, since without idempotence a retry could
 * duplicate. One request per partition in flight keeps records in order across retries.
 */
public final class Sender implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Sender.class);
    private static final long MAX_PARK_MS = 100;

    private final ProducerConfig config;
    private final RecordAccumulator accumulator;
    private final MetadataManager metadata;
    private final ChannelPool channels;
    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final Map<BrokerAddress, Integer> inFlightPerBroker = new HashMap<>();
    private int inFlightRequests;
    private volatile boolean running = true;
    private volatile boolean forceClose;
    private volatile Thread thread;

    public Sender(ProducerConfig config, RecordAccumulator accumulator, MetadataManager metadata,
                  ChannelPool channels) {
        this.config = config;
        this.accumulator = accumulator;
        this.metadata = metadata;
        this.channels = channels;
    }

    /** Starts the sender on its own daemon thread. */
    public Thread start(String name) {
        Thread t = new Thread(this, name);
        t.setDaemon(true);
        thread = t;
        t.start();
        return t;
    }

    public void wakeup() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Stops after sending everything queued and receiving every response. */
    public void initiateClose() {
        running = false;
        wakeup();
    }

    /** Stops without sending: queued records fail (definite); in-flight ones complete as their calls end. */
    public void forceClose() {
        forceClose = true;
        initiateClose();
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (running) {
            runOnce();
        }
        while (accumulator.hasIncomplete() || inFlightRequests > 0) {
            if (forceClose) {
                abortQueued();
            }
            runOnce();
        }
        log.debug("producer sender stopped");
    }

    void runOnce() {
        try {
            long nowMs = System.currentTimeMillis();
            runCompletions();
            long parkUntilMs = forceClose ? nowMs + MAX_PARK_MS : sendReady(nowMs);
            if (nowMs - metadata.cluster().updatedAtMs() > config.metadataMaxAgeMs()) {
                metadata.requestRefresh();
            }
            if (completions.isEmpty()) {
                long parkMs = Math.min(MAX_PARK_MS, parkUntilMs - System.currentTimeMillis());
                if (parkMs > 0) {
                    LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(parkMs));
                }
            }
        } catch (RuntimeException e) {
            log.error("unexpected error in producer sender", e);
        }
    }

    private void runCompletions() {
        Runnable completion;
        while ((completion = completions.poll()) != null) {
            completion.run();
        }
    }

    /** Drains and sends what is ready; returns when the loop should next wake. */
    private long sendReady(long nowMs) {
        long nextWakeMs = nowMs + MAX_PARK_MS;
        boolean flush = accumulator.flushInProgress() || !running;
        Cluster cluster = metadata.cluster();
        Map<BrokerAddress, RequestBuilder> requests = new LinkedHashMap<>();
        boolean needMetadata = false;
        for (PartitionQueue[] queues : accumulator.queues()) {
            for (PartitionQueue queue : queues) {
                expire(queue, nowMs);
                if (queue.inFlight) {
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
        return nextWakeMs;
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
            ProducerBatch batch;
            while ((batch = queue.batches.peekFirst()) != null) {
                boolean last = queue.batches.size() == 1;
                if (last && !(flush || batch.isFull() || batch.isClosed()
                        || nowMs - batch.createdMs >= config.lingerMs())) {
                    break;
                }
                if (!drained.isEmpty() && request.sizeInBytes + batch.sizeInBytes() > config.maxRequestSize()) {
                    break;
                }
                batch.close();
                queue.batches.pollFirst();
                drained.add(batch);
                request.sizeInBytes += batch.sizeInBytes();
            }
        }
        if (!drained.isEmpty()) {
            queue.inFlight = true;
            request.partitions.put(queue, drained);
        }
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
                fail(batch, new TimeoutException("expiring " + batch.recordCount() + " record(s) for " + queue + ": "
                        + (nowMs - batch.createdMs) + " ms has passed since batch creation (deliveryTimeoutMs="
                        + config.deliveryTimeoutMs() + ")", true, null));
            }
        }
    }

    private void abortQueued() {
        for (PartitionQueue[] queues : accumulator.queues()) {
            for (PartitionQueue queue : queues) {
                List<ProducerBatch> aborted;
                synchronized (queue) {
                    aborted = new ArrayList<>(queue.batches);
                    queue.batches.clear();
                    aborted.forEach(ProducerBatch::close);
                }
                for (ProducerBatch batch : aborted) {
                    fail(batch, new TimeoutException("producer closed before " + batch.recordCount()
                            + " record(s) for " + queue + " were sent", true, null));
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
        inFlightPerBroker.merge(broker, 1, Integer::sum);
        inFlightRequests++;
        Rpc.<ProduceResponse>call(o -> channels.stub(broker)
                        .withDeadlineAfter(config.requestTimeoutMs(), TimeUnit.MILLISECONDS)
                        .produce(produce, o))
                .whenComplete((response, error) -> {
                    completions.add(() -> handleProduceResponse(request, response, error));
                    wakeup();
                });
    }

    private void handleProduceResponse(RequestBuilder request, ProduceResponse response, Throwable error) {
        inFlightPerBroker.merge(request.broker, -1, Integer::sum);
        inFlightRequests--;
        long nowMs = System.currentTimeMillis();
        if (error != null) {
            TributaryException failure = Rpc.transportFailure(error, "Produce to " + request.broker);
            log.debug("produce request to {} failed: {}", request.broker, failure.getMessage());
            metadata.requestRefresh();
            for (Map.Entry<PartitionQueue, List<ProducerBatch>> entry : request.partitions.entrySet()) {
                entry.getKey().inFlight = false;
                for (ProducerBatch batch : entry.getValue()) {
                    fail(batch, failure);
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
            queue.inFlight = false;
            PartitionProduceResponse result = results.getOrDefault(queue.topic, Map.of()).get(queue.partition);
            handlePartitionResult(queue, entry.getValue(), result, nowMs);
        }
    }

    private void handlePartitionResult(PartitionQueue queue, List<ProducerBatch> batches,
                                       PartitionProduceResponse result, long nowMs) {
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
                batch.complete(offset, result.getLogAppendTimeMs());
                accumulator.deallocate(batch);
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
        if (!failure.isDefinite() || !failure.isRetriable()) {
            batches.forEach(b -> fail(b, failure));
            return;
        }
        long retryAtMs = nowMs + config.retryBackoffMs();
        List<ProducerBatch> retry = new ArrayList<>(batches.size());
        for (ProducerBatch batch : batches) {
            if (retryAtMs - batch.createdMs >= config.deliveryTimeoutMs()) {
                fail(batch, failure);
            } else {
                retry.add(batch);
            }
        }
        if (!retry.isEmpty()) {
            log.debug("retrying {} batch(es) for {} after {}", retry.size(), queue, code);
            synchronized (queue) {
                for (int i = retry.size() - 1; i >= 0; i--) {
                    queue.batches.addFirst(retry.get(i));
                }
            }
            queue.retryAtMs = retryAtMs;
        }
    }

    private void fail(ProducerBatch batch, TributaryException failure) {
        batch.fail(failure);
        accumulator.deallocate(batch);
    }

    /** The batches of one produce request to one broker. */
    private static final class RequestBuilder {
        final BrokerAddress broker;
        final Map<PartitionQueue, List<ProducerBatch>> partitions = new LinkedHashMap<>();
        int sizeInBytes;

        RequestBuilder(BrokerAddress broker) {
            this.broker = broker;
        }
    }
}
