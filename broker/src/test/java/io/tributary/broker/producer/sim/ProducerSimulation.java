package io.tributary.broker.producer.sim;

import io.tributary.broker.producer.ProducerStateManager;
import io.tributary.broker.producer.RequestValidation;
import io.tributary.client.NetworkException;
import io.tributary.client.ProducerConfig;
import io.tributary.client.RecordMetadata;
import io.tributary.client.TimeoutException;
import io.tributary.client.TributaryException;
import io.tributary.client.internal.BrokerAddress;
import io.tributary.client.internal.BufferPool;
import io.tributary.client.internal.Cluster;
import io.tributary.client.internal.ProduceDispatcher;
import io.tributary.client.internal.ProducerMetadata;
import io.tributary.client.internal.ProducerTransport;
import io.tributary.client.internal.RecordAccumulator;
import io.tributary.proto.v1.BrokerInfo;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.InitProducerIdRequest;
import io.tributary.proto.v1.InitProducerIdResponse;
import io.tributary.proto.v1.MetadataResponse;
import io.tributary.proto.v1.PartitionMetadata;
import io.tributary.proto.v1.PartitionProduceData;
import io.tributary.proto.v1.PartitionProduceResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.ProduceResponse;
import io.tributary.proto.v1.TopicMetadata;
import io.tributary.proto.v1.TopicProduceData;
import io.tributary.proto.v1.TopicProduceResponse;
import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import io.tributary.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * A seeded simulation of idempotent producers against partition leaders: the production
 * {@link ProduceDispatcher} and {@link RecordAccumulator} on a simulated clock, sending grouped
 * requests (several partitions, several batches each) through a network that delays, reorders and
 * loses requests and answers (a lost one fails at the request deadline, outcome unknown), to
 * leaders that decide with the production {@link RequestValidation} and {@link ProducerStateManager}.
 * Leaders sometimes append but cannot confirm replication (NOT_ENOUGH_REPLICAS_AFTER_APPEND,
 * REQUEST_TIMED_OUT), and leadership moves: the new leader keeps every acknowledged record and a
 * random part of the unacknowledged tail, and rebuilds its producer state from its log; producers
 * learn of the move from metadata refreshed late. Some seeds take the whole cluster down for
 * longer than the delivery timeout (a power loss of every node: no broker answers, and each leader
 * comes back with only its acknowledged records), so that batches expire while their sequences
 * are outstanding. After the faults every record must be resolved, and the checker requires:
 * every acknowledged record in the log exactly once at its acknowledged offset, no definitely
 * failed record in the log, no record twice, each producer's records in each partition in the
 * order it sent them, and liveness: producers keep sending once the faults are healed, and every
 * record sent after the old ones had time to resolve is acknowledged.
 */
final class ProducerSimulation {
    static final String TOPIC = "t";
    static final long FAULT_PHASE_MS = 4_000;
    static final long HEAL_PHASE_MS = 12_000;
    private static final int DELIVERY_TIMEOUT_MS = 3_000;
    /** Producers send until then; records sent from {@link #MUST_SUCCEED_FROM_MS} on must be acknowledged. */
    private static final long SEND_UNTIL_MS = FAULT_PHASE_MS + 8_000;
    private static final long MUST_SUCCEED_FROM_MS = FAULT_PHASE_MS + DELIVERY_TIMEOUT_MS + 1_000;
    private static final int BROKERS = 3;

    private record Event(long timeMs, long seq, Runnable action) {
    }

    /** One partition's truth: its leader and log. */
    private static final class SimLeader {
        int broker = 1;
        int leaderEpoch;
        final List<RecordBatch> log = new ArrayList<>();
        long nextOffset;
        /** Offsets below were acknowledged to someone: a new leader keeps them. */
        long committedEnd;
        ProducerStateManager state = new ProducerStateManager();
    }

    /** One record's fate as its producer saw it. */
    private static final class Sent {
        final int producer;
        final int partition;
        final int number;
        final String value;
        final long sentMs;
        RecordMetadata acked;
        TributaryException failed;

        Sent(int producer, int partition, int number, long sentMs) {
            this.producer = producer;
            this.partition = partition;
            this.number = number;
            this.value = "P" + producer + "-" + number;
            this.sentMs = sentMs;
        }
    }

    private final long seed;
    private final Random random;
    private final PriorityQueue<Event> queue = new PriorityQueue<>(
            (a, b) -> a.timeMs != b.timeMs ? Long.compare(a.timeMs, b.timeMs) : Long.compare(a.seq, b.seq));
    private long seq;
    long nowMs;
    private final int partitions;
    private final List<SimLeader> leaders = new ArrayList<>();
    private final double dropRate;
    private final double unconfirmedRate;
    private final double failoverRate;
    private final int maxDelayMs;
    /** When no broker answers at all (a cluster-wide outage), or -1 when this seed has none. */
    private final long outageStartMs;
    private final long outageEndMs;
    private long nextProducerId = 1000;
    private final List<Sent> sent = new ArrayList<>();
    final List<String> trace = new ArrayList<>();
    int failovers;

    ProducerSimulation(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
        this.partitions = 1 + random.nextInt(3);
        for (int p = 0; p < partitions; p++) {
            leaders.add(new SimLeader());
        }
        this.dropRate = random.nextDouble() * 0.1;
        this.unconfirmedRate = random.nextDouble() * 0.05;
        this.failoverRate = random.nextDouble() * 0.004;
        this.maxDelayMs = 1 + random.nextInt(40);
        if (random.nextInt(3) == 0) {
            this.outageStartMs = random.nextInt((int) FAULT_PHASE_MS / 2);
            this.outageEndMs = Math.min(FAULT_PHASE_MS, outageStartMs + 500 + random.nextInt(2 * DELIVERY_TIMEOUT_MS));
        } else {
            this.outageStartMs = -1;
            this.outageEndMs = -1;
        }
    }

    private void schedule(long delayMs, Runnable action) {
        queue.add(new Event(nowMs + delayMs, seq++, action));
    }

    private boolean faults() {
        return nowMs < FAULT_PHASE_MS;
    }

    private boolean clusterDown() {
        return nowMs >= outageStartMs && nowMs < outageEndMs;
    }

    /** Keeps the last events for a failure's report ({@code -Dtributary.sim.trace=N} keeps more). */
    private void log(String s) {
        trace.add(nowMs + " " + s);
        if (trace.size() > Integer.getInteger("tributary.sim.trace", 60)) {
            trace.remove(0);
        }
    }

    void run() {
        int producers = 1 + random.nextInt(3);
        for (int p = 0; p < producers; p++) {
            startProducer(p);
        }
        schedule(1, this::faultTick);
        if (outageStartMs >= 0) {
            schedule(outageStartMs, this::powerLossEverywhere);
        }
        while (!queue.isEmpty()) {
            Event e = queue.poll();
            if (e.timeMs > FAULT_PHASE_MS + HEAL_PHASE_MS) {
                break;
            }
            nowMs = e.timeMs;
            e.action.run();
        }
        check();
    }

    // ---------------------------------------------------------------- producers (production classes)

    private void startProducer(int id) {
        ProducerConfig config = ProducerConfig.builder().bootstrapServers("b1:1")
                .lingerMs(random.nextInt(6))
                .batchSize(80 + random.nextInt(300))
                .maxInFlightRequestsPerConnection(1 + random.nextInt(5))
                .requestTimeoutMs(200 + random.nextInt(300))
                .deliveryTimeoutMs(DELIVERY_TIMEOUT_MS)
                .retryBackoffMs(5 + random.nextInt(50))
                .maxRequestSize(1_000 + random.nextInt(4_000))
                .bufferMemory(64L << 20)
                .build();
        SimMetadata metadata = new SimMetadata();
        RecordAccumulator accumulator = new RecordAccumulator(config.batchSize(), 0, new BufferPool(config.bufferMemory()),
                () -> nowMs, () -> { });
        List<Runnable> completions = new ArrayList<>();
        ProduceDispatcher dispatcher = new ProduceDispatcher(config, accumulator, metadata, new SimTransport(),
                () -> nowMs, completions::add);
        int[] numbers = new int[1];
        Runnable[] tick = new Runnable[1];
        tick[0] = () -> {
            if (nowMs < SEND_UNTIL_MS && random.nextDouble() < (faults() ? 0.5 : 0.1)) {
                int partition = random.nextInt(partitions);
                Sent record = new Sent(id, partition, numbers[0]++, nowMs);
                sent.add(record);
                byte[] value = record.value.getBytes(StandardCharsets.UTF_8);
                CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
                future.whenComplete((md, error) -> {
                    record.acked = md;
                    record.failed = error == null ? null : (TributaryException) error;
                });
                accumulator.append(accumulator.queue(TOPIC, partition), nowMs, null, value, List.of(),
                        RecordBatchBuilder.estimateRecordSize(null, value, List.of()), future, false);
            }
            // the Sender's loop: completions first, then a poll
            List<Runnable> due = new ArrayList<>(completions);
            completions.clear();
            due.forEach(Runnable::run);
            dispatcher.poll(nowMs);
            schedule(1, tick[0]);
        };
        schedule(1, tick[0]);
    }

    /** Metadata the producer refreshes on request, late: a moved leader is seen some time after. */
    private final class SimMetadata implements ProducerMetadata {
        private Cluster cluster = truth();
        private boolean refreshing;

        @Override
        public Cluster cluster() {
            return cluster;
        }

        @Override
        public void requestRefresh() {
            if (!refreshing) {
                refreshing = true;
                schedule(5 + random.nextInt(50), () -> {
                    cluster = truth();
                    refreshing = false;
                });
            }
        }
    }

    private Cluster truth() {
        MetadataResponse.Builder response = MetadataResponse.newBuilder().setMetadataVersion(nowMs);
        for (int b = 1; b <= BROKERS; b++) {
            response.addBrokers(BrokerInfo.newBuilder().setNodeId(b).setHost("b" + b).setPort(1));
        }
        TopicMetadata.Builder topic = TopicMetadata.newBuilder().setName(TOPIC).setErrorCode(ErrorCode.NONE);
        for (int p = 0; p < partitions; p++) {
            topic.addPartitions(PartitionMetadata.newBuilder().setPartition(p).setErrorCode(ErrorCode.NONE)
                    .setLeaderId(leaders.get(p).broker).setLeaderEpoch(leaders.get(p).leaderEpoch));
        }
        return Cluster.from(response.addTopics(topic).build(), nowMs);
    }

    // ---------------------------------------------------------------- network

    /** Requests are serialised when sent; each leg is delayed or lost; a lost one fails at the deadline. */
    private final class SimTransport implements ProducerTransport {
        @Override
        public CompletableFuture<ProduceResponse> produce(BrokerAddress broker, ProduceRequest request, long timeoutMs) {
            ProduceRequest copy;
            try {
                copy = ProduceRequest.parseFrom(request.toByteArray());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
            int brokerId = Integer.parseInt(broker.host().substring(1));
            return exchange(() -> handleProduce(brokerId, copy), timeoutMs);
        }

        @Override
        public CompletableFuture<InitProducerIdResponse> initProducerId(BrokerAddress broker,
                                                                        InitProducerIdRequest request, long timeoutMs) {
            return exchange(() -> InitProducerIdResponse.newBuilder().setErrorCode(ErrorCode.NONE)
                    .setProducerId(nextProducerId++).setProducerEpoch(0).build(), timeoutMs);
        }

        private <T> CompletableFuture<T> exchange(java.util.function.Supplier<T> handler, long timeoutMs) {
            CompletableFuture<T> future = new CompletableFuture<>();
            if (clusterDown()) { // every node is down: the connection is refused or never answers
                if (random.nextBoolean()) {
                    schedule(1, () -> future.completeExceptionally(new NetworkException("connection refused", true, null)));
                } else {
                    schedule(timeoutMs, () -> future.completeExceptionally(
                            new TimeoutException("deadline of " + timeoutMs + " ms exceeded", false, null)));
                }
                return future;
            }
            if (faults() && random.nextDouble() < dropRate / 4) {
                schedule(1, () -> future.completeExceptionally(new NetworkException("connection reset", true, null)));
                return future;
            }
            boolean requestLost = faults() && random.nextDouble() < dropRate;
            boolean answerLost = faults() && random.nextDouble() < dropRate;
            if (!requestLost) {
                schedule(1 + random.nextInt(maxDelayMs), () -> {
                    T answer = handler.get();
                    if (!answerLost) {
                        schedule(1 + random.nextInt(maxDelayMs), () -> future.complete(answer));
                    }
                });
            }
            schedule(timeoutMs, () -> future.completeExceptionally(
                    new TimeoutException("deadline of " + timeoutMs + " ms exceeded", false, null)));
            return future;
        }
    }

    // ---------------------------------------------------------------- leaders (production validation)

    private ProduceResponse handleProduce(int broker, ProduceRequest request) {
        ProduceResponse.Builder response = ProduceResponse.newBuilder();
        for (TopicProduceData topic : request.getTopicsList()) {
            TopicProduceResponse.Builder topicResponse = TopicProduceResponse.newBuilder().setTopic(topic.getTopic());
            for (PartitionProduceData data : topic.getPartitionsList()) {
                topicResponse.addPartitions(producePartition(broker, data));
            }
            response.addTopics(topicResponse);
        }
        return response.build();
    }

    private PartitionProduceResponse producePartition(int broker, PartitionProduceData data) {
        SimLeader leader = leaders.get(data.getPartition());
        if (leader.broker != broker) {
            return error(data.getPartition(), ErrorCode.NOT_LEADER_OR_FOLLOWER);
        }
        ByteBuffer buffer = ByteBuffer.wrap(data.getRecords().toByteArray());
        List<RecordBatch> parsed = new ArrayList<>();
        RecordBatches.of(buffer).forEach(parsed::add);
        RequestValidation decision = RequestValidation.of(leader.state, parsed);
        if (decision instanceof RequestValidation.Reject reject) {
            log("p" + data.getPartition() + " rejects " + reject.code() + " " + reject.message());
            return error(data.getPartition(), reject.code()).toBuilder().setErrorMessage(reject.message()).build();
        }
        long first;
        long end;
        if (decision instanceof RequestValidation.Duplicate duplicate) {
            first = duplicate.firstOffset();
            end = duplicate.lastOffset() + 1;
        } else {
            first = leader.nextOffset;
            for (RecordBatch batch : parsed) {
                batch.setBaseOffset(leader.nextOffset);
                leader.nextOffset = batch.nextOffset();
                leader.log.add(batch);
                leader.state.onAppended(batch);
            }
            end = leader.nextOffset;
        }
        if (faults() && random.nextDouble() < unconfirmedRate) { // appended, replication not confirmed
            return error(data.getPartition(), random.nextBoolean() ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
                    : ErrorCode.REQUEST_TIMED_OUT);
        }
        leader.committedEnd = Math.max(leader.committedEnd, end); // the high watermark passed them
        return PartitionProduceResponse.newBuilder().setPartition(data.getPartition()).setErrorCode(ErrorCode.NONE)
                .setBaseOffset(first).setLogAppendTimeMs(-1).setLogStartOffset(0).build();
    }

    private static PartitionProduceResponse error(int partition, ErrorCode code) {
        return PartitionProduceResponse.newBuilder().setPartition(partition).setErrorCode(code).setBaseOffset(-1)
                .setLogAppendTimeMs(-1).setLogStartOffset(-1).build();
    }

    /** Leadership moves: the new leader holds every acknowledged record and maybe part of the rest. */
    private void faultTick() {
        if (!faults()) {
            return;
        }
        for (int p = 0; p < partitions; p++) {
            if (random.nextDouble() < failoverRate) {
                failOver(p, randomCut(leaders.get(p)));
            }
        }
        schedule(1, this::faultTick);
    }

    /** Every node loses power: each partition comes back with only its acknowledged records. */
    private void powerLossEverywhere() {
        log("power loss everywhere until " + outageEndMs);
        for (int p = 0; p < partitions; p++) {
            failOver(p, leaders.get(p).committedEnd);
        }
    }

    /** An offset at or past the acknowledged end where a new leader's log may end. */
    private long randomCut(SimLeader leader) {
        List<Long> cuts = new ArrayList<>();
        for (RecordBatch b : leader.log) {
            if (b.baseOffset() >= leader.committedEnd) {
                cuts.add(b.baseOffset());
            }
        }
        cuts.add(leader.nextOffset);
        return cuts.get(random.nextInt(cuts.size()));
    }

    /** A new leader whose log ends at {@code cut} and whose producer state is rebuilt from it. */
    private void failOver(int p, long cut) {
        SimLeader leader = leaders.get(p);
        leader.log.removeIf(b -> b.baseOffset() >= cut);
        leader.nextOffset = cut;
        leader.state = new ProducerStateManager();
        leader.state.rebuildFrom(leader.log);
        leader.broker = 1 + (leader.broker + random.nextInt(BROKERS - 1)) % BROKERS;
        leader.leaderEpoch++;
        failovers++;
        log("p" + p + " failover to " + leader.broker + " epoch " + leader.leaderEpoch + ", log cut to " + cut);
    }

    // ---------------------------------------------------------------- checker

    private void check() {
        Map<String, Long> offsetOf = new HashMap<>();
        Map<String, Integer> lastNumber = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            for (RecordBatch batch : leaders.get(p).log) {
                for (Record record : batch.records()) {
                    String value = new String(record.value(), StandardCharsets.UTF_8);
                    if (offsetOf.put(value, record.offset()) != null) {
                        fail("duplicated: " + value + " is in partition " + p + " twice");
                    }
                    String[] parts = value.substring(1).split("-");
                    String key = parts[0] + "/" + p;
                    int number = Integer.parseInt(parts[1]);
                    Integer previous = lastNumber.put(key, number);
                    if (previous != null && previous > number) {
                        fail("reordered: producer " + parts[0] + " wrote " + number + " after " + previous
                                + " in partition " + p);
                    }
                }
            }
        }
        for (Sent record : sent) {
            Long offset = offsetOf.get(record.value);
            if (record.acked == null && record.failed == null) {
                fail("unresolved: " + record.value + " was neither acknowledged nor failed");
            } else if (record.acked != null) {
                if (offset == null) {
                    fail("lost: " + record.value + " acknowledged at offset " + record.acked.offset() + " is not in the log");
                } else if (offset != record.acked.offset() || record.acked.partition() != record.partition) {
                    fail("misplaced: " + record.value + " acknowledged at " + record.acked.offset() + " is at " + offset);
                }
            } else if (record.sentMs >= MUST_SUCCEED_FROM_MS) {
                fail("no liveness: " + record.value + " sent at " + record.sentMs + " ms, after the faults were healed at "
                        + FAULT_PHASE_MS + " ms, failed: " + record.failed.getMessage());
            } else if (record.failed.isDefinite() && offset != null) {
                fail("false definite failure: " + record.value + " failed definitely (" + record.failed.getMessage()
                        + ") but is in the log at " + offset);
            }
        }
    }

    int acknowledged() {
        return (int) sent.stream().filter(s -> s.acked != null).count();
    }

    int sentCount() {
        return sent.size();
    }

    private void fail(String message) {
        throw new AssertionError("seed " + seed + ": " + message
                + (outageStartMs < 0 ? "" : "\n(no broker answered from " + outageStartMs + " to " + outageEndMs + " ms)")
                + "\nreproduce: mvn -o -pl broker test -Dtest=ProducerSimulationTest -Dtributary.sim.seed=" + seed
                + "\nlast events:\n" + String.join("\n", trace));
    }
}
