package io.tributary.client;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import com.google.protobuf.ByteString;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.BrokerInfo;
import io.tributary.proto.v1.CreateTopicsRequest;
import io.tributary.proto.v1.CreateTopicsResponse;
import io.tributary.proto.v1.DeleteTopicsRequest;
import io.tributary.proto.v1.DeleteTopicsResponse;
import io.tributary.proto.v1.DescribeTopicsRequest;
import io.tributary.proto.v1.DescribeTopicsResponse;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.FetchPartition;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.FetchRequest;
import io.tributary.proto.v1.FetchResponse;
import io.tributary.proto.v1.FetchTopic;
import io.tributary.proto.v1.FetchTopicResponse;
import io.tributary.proto.v1.InitProducerIdRequest;
import io.tributary.proto.v1.InitProducerIdResponse;
import io.tributary.proto.v1.ListOffsetsPartition;
import io.tributary.proto.v1.ListOffsetsPartitionResponse;
import io.tributary.proto.v1.ListOffsetsRequest;
import io.tributary.proto.v1.ListOffsetsResponse;
import io.tributary.proto.v1.ListOffsetsTopic;
import io.tributary.proto.v1.ListOffsetsTopicResponse;
import io.tributary.proto.v1.MetadataRequest;
import io.tributary.proto.v1.MetadataResponse;
import io.tributary.proto.v1.NewTopic;
import io.tributary.proto.v1.PartitionDescription;
import io.tributary.proto.v1.PartitionMetadata;
import io.tributary.proto.v1.PartitionProduceData;
import io.tributary.proto.v1.PartitionProduceResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.ProduceResponse;
import io.tributary.proto.v1.TopicDescription;
import io.tributary.proto.v1.TopicMetadata;
import io.tributary.proto.v1.TopicProduceData;
import io.tributary.proto.v1.TopicProduceResponse;
import io.tributary.proto.v1.TopicResult;
import io.tributary.proto.v1.TributaryGrpc;
import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatches;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory single-broker Tributary service for client tests: partition logs as lists of
 * batches with offsets assigned in place, long-poll fetch, list offsets, metadata and topic admin.
 * Tests inject per-partition produce errors and can make produce requests hang.
 *
 * <p>Idempotence, as the broker does it: InitProducerId hands out ids 1000, 1001, ... (epoch 0);
 * batches with a producer id must continue its per-partition sequence (from its first batch there) or fail with
 * OUT_OF_ORDER_SEQUENCE; a resent batch (known base sequence) is not appended again and is answered
 * with its original offset; an older epoch gets INVALID_PRODUCER_EPOCH; a newer one starts again at sequence 0.
 */
final class FakeTributary extends TributaryGrpc.TributaryImplBase implements AutoCloseable {
    static final int NODE_ID = 1;

    static final class Log {
        final List<ByteBuffer> batches = new ArrayList<>();
        long logStartOffset;
        long endOffset;
        /** What ListOffsets gives as earliest when set (>= 0): a leader whose retention lags this one's. */
        long listedEarliestOffset = -1;
    }

    private final Map<String, List<Log>> topics = new LinkedHashMap<>();
    private final Map<TopicPartition, Queue<ErrorCode>> produceErrors = new HashMap<>();
    private final Map<TopicPartition, Queue<ErrorCode>> errorsAfterAppend = new HashMap<>();
    private final Map<String, ProducerState> producers = new HashMap<>();
    private long nextProducerId = 1000;
    private int initProducerIdCalls;

    /** Sequence state of one producer id on one partition. */
    private static final class ProducerState {
        short epoch;
        int nextSequence;
        final Map<Integer, Long> offsetBySequence = new HashMap<>();
    }
    private final List<Runnable> waitingFetches = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fake-tributary-timer");
        t.setDaemon(true);
        return t;
    });
    private final List<ProduceRequest> produceRequests = new ArrayList<>();
    private final List<FetchRequest> fetchRequests = new ArrayList<>();
    private int leaderEpoch;
    private final List<StreamObserver<ProduceResponse>> hungProduces = new ArrayList<>();
    private final List<ProduceRequest> hungRequests = new ArrayList<>();
    private final Server server;
    private boolean hangProduce;
    private List<Runnable> heldProducerIds;
    private int leaderId = NODE_ID;
    private long metadataVersion;
    private List<BrokerInfo> brokers;

    FakeTributary() throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(this)
                .maxInboundMessageSize(64 << 20).build().start();
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    synchronized void createTopic(String name, int partitions) {
        List<Log> logs = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            logs.add(new Log());
        }
        topics.put(name, logs);
    }

    synchronized Log log(String topic, int partition) {
        return topics.get(topic).get(partition);
    }

    synchronized void failNextProduces(TopicPartition tp, ErrorCode... codes) {
        produceErrors.computeIfAbsent(tp, t -> new ArrayDeque<>()).addAll(List.of(codes));
    }

    /** Forgets the errors injected for {@code tp} and not used yet. */
    synchronized void clearInjectedErrors(TopicPartition tp) {
        produceErrors.remove(tp);
        errorsAfterAppend.remove(tp);
    }

    /** The next produces to {@code tp} append their records, then answer with these errors. */
    synchronized void failNextProducesAfterAppend(TopicPartition tp, ErrorCode... codes) {
        errorsAfterAppend.computeIfAbsent(tp, t -> new ArrayDeque<>()).addAll(List.of(codes));
    }

    synchronized int initProducerIdCalls() {
        return initProducerIdCalls;
    }

    /** InitProducerId answers wait until {@link #releaseProducerIds}: an idempotent producer cannot send meanwhile. */
    synchronized void holdProducerIds() {
        heldProducerIds = new ArrayList<>();
    }

    void releaseProducerIds() {
        List<Runnable> held;
        synchronized (this) {
            held = heldProducerIds;
            heldProducerIds = null;
        }
        if (held != null) {
            held.forEach(Runnable::run);
        }
    }

    @Override
    public synchronized void initProducerId(InitProducerIdRequest request,
                                            StreamObserver<InitProducerIdResponse> observer) {
        initProducerIdCalls++;
        long producerId = nextProducerId++;
        Runnable answer = () -> {
            observer.onNext(InitProducerIdResponse.newBuilder().setErrorCode(ErrorCode.NONE)
                    .setProducerId(producerId).setProducerEpoch(0).build());
            observer.onCompleted();
        };
        if (heldProducerIds != null) {
            heldProducerIds.add(answer);
        } else {
            answer.run();
        }
    }

    /**
     * This fake becomes the new leader of {@code other}'s partitions: it takes over the producers'
     * sequence state, as a real new leader has it replicated.
     */
    void takeOverProducersFrom(FakeTributary other) {
        Map<String, ProducerState> copied = new HashMap<>();
        synchronized (other) {
            other.producers.forEach((key, state) -> {
                ProducerState copy = new ProducerState();
                copy.epoch = state.epoch;
                copy.nextSequence = state.nextSequence;
                copy.offsetBySequence.putAll(state.offsetBySequence);
                copied.put(key, copy);
            });
        }
        synchronized (this) {
            producers.putAll(copied);
        }
    }

    synchronized void hangProduce(boolean hang) {
        hangProduce = hang;
    }

    /** The metadata version this fake answers with (the metadata log index a real node's image reflects). */
    synchronized void setMetadataVersion(long version) {
        metadataVersion = version;
    }

    /** Metadata names this node id as leader of every partition (-1: no leader). */
    synchronized void setLeaderId(int id) {
        leaderId = id;
    }

    /** Metadata lists these brokers instead of only this one. */
    synchronized void setBrokers(List<BrokerInfo> brokers) {
        this.brokers = List.copyOf(brokers);
    }

    BrokerInfo self(int nodeId) {
        return BrokerInfo.newBuilder().setNodeId(nodeId).setHost("127.0.0.1").setPort(server.getPort()).build();
    }

    synchronized List<FetchRequest> fetchRequests() {
        return new ArrayList<>(fetchRequests);
    }

    /** The leader epoch metadata gives for every partition. */
    synchronized void setLeaderEpoch(int epoch) {
        leaderEpoch = epoch;
    }

    synchronized List<ProduceRequest> produceRequests() {
        return new ArrayList<>(produceRequests);
    }

    /** Every record in a partition, decoded. */
    synchronized List<Record> records(String topic, int partition) {
        List<Record> out = new ArrayList<>();
        for (ByteBuffer batch : log(topic, partition).batches) {
            out.addAll(RecordBatches.of(batch.duplicate()).records(0));
        }
        return out;
    }

    /** Appends one encoded batch (as a producer would) and returns its base offset. */
    synchronized long append(String topic, int partition, ByteBuffer batchBytes) {
        Log log = log(topic, partition);
        ByteBuffer copy = ByteBuffer.allocate(batchBytes.remaining());
        copy.put(batchBytes.duplicate()).flip();
        RecordBatch batch = RecordBatch.wrap(copy);
        batch.ensureValid();
        long base = log.endOffset;
        batch.setBaseOffset(base);
        log.batches.add(copy);
        log.endOffset = batch.nextOffset();
        wakeFetches();
        return base;
    }

    /** Makes ListOffsets answer {@code offset} as the earliest, as a newer leader whose retention lags would. */
    synchronized void listEarliestAs(String topic, int partition, long offset) {
        log(topic, partition).listedEarliestOffset = offset;
    }

    /** Drops batches wholly below {@code offset} (as retention would). */
    synchronized void truncateBefore(String topic, int partition, long offset) {
        Log log = log(topic, partition);
        Iterator<ByteBuffer> it = log.batches.iterator();
        while (it.hasNext()) {
            if (RecordBatch.wrap(it.next().duplicate()).nextOffset() <= offset) {
                it.remove();
            }
        }
        log.logStartOffset = log.batches.isEmpty() ? log.endOffset
                : RecordBatch.wrap(log.batches.get(0).duplicate()).baseOffset();
    }

    private void wakeFetches() {
        List<Runnable> waiting = new ArrayList<>(waitingFetches);
        waitingFetches.clear();
        waiting.forEach(timer::execute);
    }

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
        synchronized (this) {
            produceRequests.add(request);
            if (hangProduce) {
                hungProduces.add(observer);
                hungRequests.add(request);
                return;
            }
        }
        answer(request, observer);
    }

    /** Stops hanging and answers the held produces, oldest first or (reversed) newest first; returns how many. */
    int releaseHungProduces(boolean newestFirst) {
        List<ProduceRequest> requests;
        List<StreamObserver<ProduceResponse>> observers;
        synchronized (this) {
            hangProduce = false;
            requests = new ArrayList<>(hungRequests);
            observers = new ArrayList<>(hungProduces);
            hungRequests.clear();
            hungProduces.clear();
        }
        for (int i = 0; i < requests.size(); i++) {
            int at = newestFirst ? requests.size() - 1 - i : i;
            answer(requests.get(at), observers.get(at));
        }
        return requests.size();
    }

    private void answer(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
        ProduceResponse.Builder response = ProduceResponse.newBuilder();
        for (TopicProduceData topic : request.getTopicsList()) {
            TopicProduceResponse.Builder topicResponse = TopicProduceResponse.newBuilder().setTopic(topic.getTopic());
            for (PartitionProduceData data : topic.getPartitionsList()) {
                topicResponse.addPartitions(producePartition(topic.getTopic(), data));
            }
            response.addTopics(topicResponse);
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    private synchronized PartitionProduceResponse producePartition(String topic, PartitionProduceData data) {
        PartitionProduceResponse.Builder out = PartitionProduceResponse.newBuilder().setPartition(data.getPartition())
                .setLogAppendTimeMs(-1);
        TopicPartition tp = new TopicPartition(topic, data.getPartition());
        Queue<ErrorCode> errors = produceErrors.get(tp);
        ErrorCode injected = errors == null ? null : errors.poll();
        if (injected != null) {
            return out.setErrorCode(injected).setErrorMessage("injected").setBaseOffset(-1).build();
        }
        List<Log> logs = topics.get(topic);
        if (logs == null || data.getPartition() >= logs.size()) {
            return out.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setBaseOffset(-1).build();
        }
        ByteBuffer records = data.getRecords().asReadOnlyByteBuffer();
        long base = -1;
        for (RecordBatch batch : RecordBatches.of(records)) {
            long offset;
            if (batch.producerId() < 0) {
                offset = append(topic, data.getPartition(), batch.slice());
            } else {
                // A producer new to this partition must start at sequence 0, as on a real leader (a fake
                // taking over as leader copies the state first: takeOverProducersFrom).
                ProducerState state = producers.computeIfAbsent(batch.producerId() + "/" + tp,
                        k -> new ProducerState());
                if (batch.producerEpoch() < state.epoch) {
                    return out.setErrorCode(ErrorCode.INVALID_PRODUCER_EPOCH).setBaseOffset(-1).build();
                }
                if (batch.producerEpoch() > state.epoch) { // a bumped epoch starts its sequences again at 0
                    state.epoch = batch.producerEpoch();
                    state.nextSequence = 0;
                    state.offsetBySequence.clear();
                }
                Long original = state.offsetBySequence.get(batch.baseSequence());
                if (original != null) {
                    offset = original; // a duplicate: answer with the original offset
                } else if (batch.baseSequence() != state.nextSequence) {
                    return out.setErrorCode(ErrorCode.OUT_OF_ORDER_SEQUENCE).setErrorMessage("expected sequence "
                            + state.nextSequence + ", got " + batch.baseSequence()).setBaseOffset(-1).build();
                } else {
                    offset = append(topic, data.getPartition(), batch.slice());
                    state.offsetBySequence.put(batch.baseSequence(), offset);
                    state.nextSequence = batch.baseSequence() + batch.recordCount();
                }
            }
            base = base < 0 ? offset : base;
        }
        Queue<ErrorCode> after = errorsAfterAppend.get(tp);
        ErrorCode afterAppend = after == null ? null : after.poll();
        if (afterAppend != null) {
            return out.setErrorCode(afterAppend).setErrorMessage("injected after append").setBaseOffset(-1).build();
        }
        return out.setErrorCode(ErrorCode.NONE).setBaseOffset(base).build();
    }

    @Override
    public void fetch(FetchRequest request, StreamObserver<FetchResponse> observer) {
        synchronized (this) {
            fetchRequests.add(request);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(request.getMaxWaitMs());
        attemptFetch(request, observer, deadline);
    }

    private void attemptFetch(FetchRequest request, StreamObserver<FetchResponse> observer, long deadline) {
        FetchResponse response;
        synchronized (this) {
            response = buildFetch(request);
            long bytes = response.getTopicsList().stream().flatMap(t -> t.getPartitionsList().stream())
                    .mapToLong(p -> p.getRecords().size() + (p.getErrorCode() == ErrorCode.NONE ? 0 : 1)).sum();
            long remainingNs = deadline - System.nanoTime();
            if (bytes < Math.max(1, request.getMinBytes()) && remainingNs > 0) {
                boolean[] done = {false};
                Runnable retry = () -> {
                    synchronized (done) {
                        if (done[0]) {
                            return;
                        }
                        done[0] = true;
                    }
                    attemptFetch(request, observer, deadline);
                };
                waitingFetches.add(retry);
                timer.schedule(retry, remainingNs, TimeUnit.NANOSECONDS);
                return;
            }
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    private FetchResponse buildFetch(FetchRequest request) {
        FetchResponse.Builder response = FetchResponse.newBuilder();
        for (FetchTopic topic : request.getTopicsList()) {
            FetchTopicResponse.Builder topicResponse = FetchTopicResponse.newBuilder().setTopic(topic.getTopic());
            for (FetchPartition p : topic.getPartitionsList()) {
                FetchPartitionResponse.Builder out = FetchPartitionResponse.newBuilder().setPartition(p.getPartition());
                List<Log> logs = topics.get(topic.getTopic());
                if (logs == null || p.getPartition() >= logs.size()) {
                    topicResponse.addPartitions(out.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
                    continue;
                }
                Log log = logs.get(p.getPartition());
                out.setHighWatermark(log.endOffset).setLogStartOffset(log.logStartOffset);
                if (p.getFetchOffset() < log.logStartOffset || p.getFetchOffset() > log.endOffset) {
                    topicResponse.addPartitions(out.setErrorCode(ErrorCode.OFFSET_OUT_OF_RANGE).setErrorMessage(
                            "offset " + p.getFetchOffset() + " not in [" + log.logStartOffset + ", " + log.endOffset
                                    + "]"));
                    continue;
                }
                ByteString records = ByteString.EMPTY;
                for (ByteBuffer batch : log.batches) {
                    RecordBatch view = RecordBatch.wrap(batch.duplicate());
                    if (view.lastOffset() < p.getFetchOffset()) {
                        continue;
                    }
                    if (!records.isEmpty() && records.size() + batch.remaining() > p.getPartitionMaxBytes()) {
                        break;
                    }
                    records = records.concat(ByteString.copyFrom(batch.duplicate()));
                }
                topicResponse.addPartitions(out.setRecords(records));
            }
            response.addTopics(topicResponse);
        }
        return response.build();
    }

    @Override
    public synchronized void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> observer) {
        ListOffsetsResponse.Builder response = ListOffsetsResponse.newBuilder();
        for (ListOffsetsTopic topic : request.getTopicsList()) {
            ListOffsetsTopicResponse.Builder topicResponse = ListOffsetsTopicResponse.newBuilder()
                    .setTopic(topic.getTopic());
            for (ListOffsetsPartition p : topic.getPartitionsList()) {
                ListOffsetsPartitionResponse.Builder out = ListOffsetsPartitionResponse.newBuilder()
                        .setPartition(p.getPartition()).setTimestamp(-1);
                List<Log> logs = topics.get(topic.getTopic());
                if (logs == null || p.getPartition() >= logs.size()) {
                    topicResponse.addPartitions(out.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setOffset(-1));
                    continue;
                }
                Log log = logs.get(p.getPartition());
                long offset;
                if (p.getTimestamp() == -2) {
                    offset = log.listedEarliestOffset >= 0 ? log.listedEarliestOffset : log.logStartOffset;
                } else if (p.getTimestamp() == -1) {
                    offset = log.endOffset;
                } else {
                    offset = -1;
                    for (ByteBuffer batch : log.batches) {
                        for (Record r : RecordBatches.of(batch.duplicate()).records(0)) {
                            if (offset < 0 && r.timestamp() >= p.getTimestamp()) {
                                offset = r.offset();
                            }
                        }
                    }
                }
                topicResponse.addPartitions(out.setOffset(offset));
            }
            response.addTopics(topicResponse);
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public synchronized void metadata(MetadataRequest request, StreamObserver<MetadataResponse> observer) {
        MetadataResponse.Builder response = MetadataResponse.newBuilder().setClusterId("fake").setControllerId(NODE_ID)
                .setMetadataVersion(metadataVersion)
                .addAllBrokers(brokers != null ? brokers : List.of(self(NODE_ID)));
        List<String> names = request.getTopicsList().isEmpty() ? new ArrayList<>(topics.keySet())
                : request.getTopicsList();
        for (String name : names) {
            TopicMetadata.Builder topic = TopicMetadata.newBuilder().setName(name);
            List<Log> logs = topics.get(name);
            if (logs == null) {
                topic.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("no such topic");
            } else {
                for (int i = 0; i < logs.size(); i++) {
                    topic.addPartitions(PartitionMetadata.newBuilder().setPartition(i).setLeaderId(leaderId)
                            .setLeaderEpoch(leaderEpoch).addReplicas(NODE_ID).addIsr(NODE_ID));
                }
            }
            response.addTopics(topic);
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public synchronized void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> observer) {
        CreateTopicsResponse.Builder response = CreateTopicsResponse.newBuilder();
        for (NewTopic topic : request.getTopicsList()) {
            TopicResult.Builder result = TopicResult.newBuilder().setName(topic.getName());
            if (topics.containsKey(topic.getName())) {
                result.setErrorCode(ErrorCode.TOPIC_ALREADY_EXISTS).setErrorMessage("exists");
            } else if (topic.getNumPartitions() < 1) {
                result.setErrorCode(ErrorCode.INVALID_PARTITIONS).setErrorMessage("need >= 1");
            } else {
                createTopic(topic.getName(), topic.getNumPartitions());
                result.setTopicId(UUID.nameUUIDFromBytes(topic.getName().getBytes()).toString());
            }
            response.addTopics(result);
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public synchronized void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> observer) {
        DeleteTopicsResponse.Builder response = DeleteTopicsResponse.newBuilder();
        for (String name : request.getNamesList()) {
            TopicResult.Builder result = TopicResult.newBuilder().setName(name);
            if (topics.remove(name) == null) {
                result.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            }
            response.addTopics(result);
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public synchronized void describeTopics(DescribeTopicsRequest request,
                                            StreamObserver<DescribeTopicsResponse> observer) {
        DescribeTopicsResponse.Builder response = DescribeTopicsResponse.newBuilder();
        List<String> names = request.getNamesList().isEmpty() ? new ArrayList<>(topics.keySet())
                : request.getNamesList();
        for (String name : names) {
            TopicDescription.Builder description = TopicDescription.newBuilder().setName(name);
            List<Log> logs = topics.get(name);
            if (logs == null) {
                description.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            } else {
                for (int i = 0; i < logs.size(); i++) {
                    description.addPartitions(PartitionDescription.newBuilder().setPartition(i).setLeaderId(NODE_ID)
                            .addReplicas(NODE_ID).addIsr(NODE_ID).setLogStartOffset(logs.get(i).logStartOffset)
                            .setLogEndOffset(logs.get(i).endOffset).setHighWatermark(logs.get(i).endOffset));
                }
            }
            response.addTopics(description);
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            for (StreamObserver<ProduceResponse> observer : hungProduces) {
                try {
                    observer.onError(io.grpc.Status.UNAVAILABLE.withDescription("shutting down").asRuntimeException());
                } catch (RuntimeException ignored) {
                    // the client gave up already
                }
            }
        }
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
        timer.shutdownNow();
    }
}
