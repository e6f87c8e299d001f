package io.tributary.broker.server;

import io.grpc.stub.StreamObserver;
import io.tributary.broker.log.AppendInfo;
import io.tributary.broker.log.FlushPolicy;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.log.ProducedBatches;
import io.tributary.broker.coordinator.OffsetsTopic;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.LeaderAppend;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.PartitionProduceData;
import io.tributary.proto.v1.PartitionProduceResponse;
import io.tributary.proto.v1.ProduceRequest;
import io.tributary.proto.v1.ProduceResponse;
import io.tributary.proto.v1.TopicProduceData;
import io.tributary.proto.v1.TopicProduceResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Produce: validate, append as leader (offsets assigned in place), then acknowledge per acks:
 * at once (0), once durable here under the topic's flush policy (1), or once replicated to the
 * whole ISR (all, see {@link Partition#awaitReplication}). Group commit happens in the log
 * manager's flusher, so concurrent produces share one fsync.
 */
final class ProduceHandler {
    private final BrokerContext context;
    private final DurableAcks durableAcks;

    ProduceHandler(BrokerContext context) {
        this.context = context;
        this.durableAcks = new DurableAcks(context);
    }

    void handle(ProduceRequest request, StreamObserver<ProduceResponse> responseObserver) {
        long startNanos = System.nanoTime();
        boolean validAcks = request.getAcks() == -1 || request.getAcks() == 0 || request.getAcks() == 1;
        int timeoutMs = BrokerContext.timeoutOrDefault(request.getTimeoutMs());
        List<String> topics = new ArrayList<>();
        List<List<CompletableFuture<PartitionProduceResponse>>> results = new ArrayList<>();
        List<CompletableFuture<PartitionProduceResponse>> all = new ArrayList<>();
        for (TopicProduceData topicData : request.getTopicsList()) {
            List<CompletableFuture<PartitionProduceResponse>> topicResults = new ArrayList<>();
            for (PartitionProduceData data : topicData.getPartitionsList()) {
                CompletableFuture<PartitionProduceResponse> result = !context.serving().isOpen()
                        ? CompletableFuture.completedFuture(error(data.getPartition(), ErrorCode.BROKER_NOT_AVAILABLE,
                                context.serving().refusal(context.nodeId())))
                        : topicData.getTopic().equals(OffsetsTopic.NAME)
                        ? CompletableFuture.completedFuture(error(data.getPartition(), ErrorCode.INVALID_TOPIC_NAME,
                                OffsetsTopic.NAME + " is internal: only group coordinators write it"))
                        : validAcks
                        ? producePartition(new TopicPartition(topicData.getTopic(), data.getPartition()), data,
                                request.getAcks(), timeoutMs)
                        : CompletableFuture.completedFuture(error(data.getPartition(), ErrorCode.INVALID_REQUEST,
                                "acks must be -1, 0 or 1, got " + request.getAcks()));
                topicResults.add(result);
                all.add(result);
            }
            topics.add(topicData.getTopic());
            results.add(topicResults);
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenCompleteAsync((ignored, error) -> {
            ProduceResponse.Builder response = ProduceResponse.newBuilder();
            for (int t = 0; t < topics.size(); t++) {
                TopicProduceResponse.Builder topicResponse = TopicProduceResponse.newBuilder().setTopic(topics.get(t));
                for (CompletableFuture<PartitionProduceResponse> result : results.get(t)) {
                    topicResponse.addPartitions(result.join());
                }
                response.addTopics(topicResponse);
            }
            responseObserver.onNext(response.build());
            responseObserver.onCompleted();
            context.metrics().produceLatency().record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        }, context.completionExecutor());
    }

    private CompletableFuture<PartitionProduceResponse> producePartition(TopicPartition tp, PartitionProduceData data,
                                                                         int acks, int timeoutMs) {
        Optional<Partition> found = context.partitions().partition(tp);
        if (found.isEmpty()) {
            return CompletableFuture.completedFuture(missingPartition(tp));
        }
        Partition partition = found.get();
        if (!partition.isLeader()) {
            return CompletableFuture.completedFuture(notLeader(tp, partition));
        }
        if (data.getRecords().isEmpty()) {
            return CompletableFuture.completedFuture(error(tp.partition(), ErrorCode.INVALID_REQUEST,
                    "produce to " + tp + " carries no record batches"));
        }
        LeaderAppend result;
        try {
            // The one copy on this path: the log rewrites base offsets into this buffer.
            ProducedBatches.Prepared batches = ProducedBatches.prepare(ByteBuffer.wrap(data.getRecords().toByteArray()),
                    partition.log().config());
            result = partition.appendRecordsAsLeader(batches.batches(), batches.parsed(), acks == -1);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(error(tp.partition(), ErrorMapping.codeFor(e),
                    "produce to " + tp + " rejected: " + ErrorMapping.messageFor(e)));
        }
        if (result instanceof LeaderAppend.Refused refused) {
            return CompletableFuture.completedFuture(refused.code() == ErrorCode.NOT_LEADER_OR_FOLLOWER
                    ? notLeader(tp, partition) : error(tp.partition(), refused.code(), refused.message()));
        }
        if (result instanceof LeaderAppend.Duplicate duplicate) {
            return acknowledge(tp, partition, duplicate.firstOffset(), duplicate.lastOffset(), -1, acks, timeoutMs,
                    () -> countedOnceDurable(partition, duplicate.lastOffset()));
        }
        AppendInfo info = ((LeaderAppend.Appended) result).info();
        context.metrics().recordBytesIn(info.sizeInBytes(), info.lastOffset() - info.firstOffset() + 1);
        // Started now, whatever acks asks: the leader's own fsync counts towards the high watermark
        // even after this produce timed out.
        CompletableFuture<Void> counted = countedOnceDurable(partition, info.lastOffset());
        return acknowledge(tp, partition, info.firstOffset(), info.lastOffset(), info.logAppendTimeMs(), acks, timeoutMs,
                () -> counted);
    }

    /**
     * The answer for records at [firstOffset, lastOffset] (just appended, or appended before and now
     * retried): acks=0 at once; acks=1 once durable on this leader; acks=all once every ISR member
     * has them durably (the high watermark passed them) with the ISR at min.insync.replicas.
     */
    private CompletableFuture<PartitionProduceResponse> acknowledge(TopicPartition tp, Partition partition,
                                                                    long firstOffset, long lastOffset,
                                                                    long logAppendTimeMs, int acks,
                                                                    int timeoutMs,
                                                                    Supplier<CompletableFuture<Void>> localDurable) {
        PartitionLog log = partition.log();
        PartitionProduceResponse success = PartitionProduceResponse.newBuilder().setPartition(tp.partition())
                .setErrorCode(ErrorCode.NONE).setBaseOffset(firstOffset).setLogAppendTimeMs(logAppendTimeMs)
                .setLogStartOffset(log.logStartOffset()).build();
        if (acks == 0) {
            return CompletableFuture.completedFuture(success);
        }
        CompletableFuture<ErrorCode> outcome = acks == 1
                ? localDurable.get().thenApply(ok -> ErrorCode.NONE).copy().orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                : partition.awaitReplication(lastOffset + 1, timeoutMs);
        return outcome.handle((code, failure) -> {
            if (failure == null && code == ErrorCode.NONE) {
                return success;
            }
            ErrorCode errorCode = failure != null ? ErrorMapping.codeFor(failure) : code;
            String why = failure != null ? ErrorMapping.messageFor(failure)
                    : code == ErrorCode.REQUEST_TIMED_OUT ? "not confirmed within " + timeoutMs + " ms"
                    : "the ISR shrank below min.insync.replicas or leadership moved";
            return error(tp.partition(), errorCode, "records at offsets " + firstOffset + ".." + lastOffset + " of "
                    + tp + " were appended on the leader but not confirmed " + (acks == 1 ? "durable" : "replicated")
                    + ": " + why);
        });
    }

    private CompletableFuture<Void> countedOnceDurable(Partition partition, long lastOffset) {
        return durableAcks.countedOnceDurable(partition, lastOffset);
    }

    private PartitionProduceResponse notLeader(TopicPartition tp, Partition partition) {
        return error(tp.partition(), ErrorCode.NOT_LEADER_OR_FOLLOWER, "node " + context.nodeId() + " does not lead "
                + tp).toBuilder().setCurrentLeader(context.leaderHint(partition.leaderId(), partition.leaderEpoch()))
                .build();
    }

    private PartitionProduceResponse missingPartition(TopicPartition tp) {
        boolean topicKnown = context.image().topic(tp.topic()).isPresent();
        return error(tp.partition(), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topicKnown
                ? "topic '" + tp.topic() + "' has no partition " + tp.partition()
                : "unknown topic '" + tp.topic() + "'");
    }

    private static PartitionProduceResponse error(int partition, ErrorCode code, String message) {
        return PartitionProduceResponse.newBuilder().setPartition(partition).setErrorCode(code)
                .setErrorMessage(message).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1).build();
    }
}
