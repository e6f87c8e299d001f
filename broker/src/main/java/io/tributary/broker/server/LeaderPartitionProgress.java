package io.tributary.broker.server;

import io.tributary.broker.coordinator.PartitionProgress;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.replica.BrokerChannels;
import io.tributary.metadata.PartitionRegistration;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.FetchPartition;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.FetchRequest;
import io.tributary.proto.v1.FetchResponse;
import io.tributary.proto.v1.FetchTopic;
import io.tributary.proto.v1.TributaryGrpc;
import io.tributary.record.Record;
import io.tributary.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A partition's progress from its leader: read here when this broker leads it, else with a
 * one-shot Fetch (no wait) to the leader, which answers its high watermark and the records from
 * the offset asked about.
 */
final class LeaderPartitionProgress implements PartitionProgress {
    private static final int READ_BYTES = 64 * 1024;
    private static final long TIMEOUT_MS = 5_000;

    private final BrokerContext context;
    private final BrokerChannels channels;

    LeaderPartitionProgress(BrokerContext context, BrokerChannels channels) {
        this.context = context;
        this.channels = channels;
    }

    @Override
    public CompletableFuture<Progress> progress(TopicPartition tp, long fromOffset) {
        Optional<Partition> local = context.partitions().partition(tp).filter(Partition::isLeader);
        if (local.isPresent()) {
            try {
                return CompletableFuture.completedFuture(localProgress(local.get(), fromOffset));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        PartitionRegistration registration = context.image().topic(tp.topic())
                .map(t -> t.partitions().get(tp.partition())).orElse(null);
        if (registration == null || !registration.hasLeader()) {
            return CompletableFuture.failedFuture(new IllegalStateException("no leader for " + tp));
        }
        return channels.channel(registration.leader()).map(channel -> remoteProgress(
                        TributaryGrpc.newStub(channel).withDeadlineAfter(TIMEOUT_MS, TimeUnit.MILLISECONDS), tp, fromOffset))
                .orElseGet(() -> CompletableFuture.failedFuture(new IllegalStateException("no address for broker "
                        + registration.leader())));
    }

    private static Progress localProgress(Partition partition, long fromOffset) {
        PartitionLog log = partition.log();
        long highWatermark = partition.highWatermark();
        long from = Math.max(fromOffset, log.logStartOffset());
        if (from >= highWatermark) {
            return new Progress(highWatermark, -1);
        }
        return new Progress(highWatermark, firstTimestamp(log.read(from, READ_BYTES, highWatermark), from));
    }

    private static CompletableFuture<Progress> remoteProgress(TributaryGrpc.TributaryStub stub, TopicPartition tp, long fromOffset) {
        FetchRequest request = FetchRequest.newBuilder().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(READ_BYTES)
                .addTopics(FetchTopic.newBuilder().setTopic(tp.topic()).addPartitions(FetchPartition.newBuilder()
                        .setPartition(tp.partition()).setFetchOffset(fromOffset).setPartitionMaxBytes(READ_BYTES)
                        .setCurrentLeaderEpoch(-1)))
                .build();
        CompletableFuture<FetchResponse> answer = new CompletableFuture<>();
        stub.fetch(request, new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(FetchResponse value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        return answer.thenCompose(response -> {
            FetchPartitionResponse p = response.getTopics(0).getPartitions(0);
            if (p.getErrorCode() == ErrorCode.OFFSET_OUT_OF_RANGE && p.getLogStartOffset() > fromOffset) {
                return remoteProgress(stub, tp, p.getLogStartOffset()); // the oldest left is the oldest unconsumed
            }
            if (p.getErrorCode() != ErrorCode.NONE) {
                return CompletableFuture.failedFuture(new IllegalStateException(tp + ": " + p.getErrorCode()));
            }
            long timestamp = fromOffset >= p.getHighWatermark() ? -1
                    : firstTimestamp(p.getRecords().asReadOnlyByteBuffer().order(ByteOrder.BIG_ENDIAN), fromOffset);
            return CompletableFuture.completedFuture(new Progress(p.getHighWatermark(), timestamp));
        });
    }

    private static long firstTimestamp(ByteBuffer batches, long fromOffset) {
        List<Record> records = RecordBatches.of(batches).records(fromOffset);
        return records.isEmpty() ? -1 : records.get(0).timestamp();
    }
}
