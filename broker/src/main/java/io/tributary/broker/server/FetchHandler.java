package io.tributary.broker.server;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.broker.delayed.DelayedOperations;
import io.tributary.broker.log.LogSlice;
import io.tributary.broker.partition.Partition;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.FetchPartition;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.FetchRequest;
import io.tributary.proto.v1.FetchTopic;
import io.tributary.replication.FollowerFetchResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fetch as a long poll: answer at once when {@code min_bytes} are readable, else park until a
 * partition's readable end moves or {@code max_wait_ms} passes. An idle fetch costs a registry entry
 * and a timer per partition, no thread. Consumers read below the high watermark; a follower (replica_id >= 0) reads
 * up to the leader's log end, and its fetch offset first reports its progress to the partition's
 * leader state (which may advance the high watermark and acknowledge acks=all produces).
 */
final class FetchHandler {
    private final BrokerContext context;

    FetchHandler(BrokerContext context) {
        this.context = context;
    }

    void handle(FetchRequest request, StreamObserver<FetchReply> responseObserver) {
        String invalid = validationError(request);
        if (invalid != null || !context.serving().isOpen()) {
            responseObserver.onNext(invalid != null ? allPartitionsFailed(request, ErrorCode.INVALID_REQUEST, invalid)
                    : allPartitionsFailed(request, ErrorCode.BROKER_NOT_AVAILABLE, context.serving().refusal(context.nodeId())));
            responseObserver.onCompleted();
            return;
        }
        PendingFetch pending = new PendingFetch(request, responseObserver);
        if (responseObserver instanceof ServerCallStreamObserver<FetchReply> serverObserver) {
            serverObserver.setOnCancelHandler(pending::cancel); // the client gave up: forget the long poll
        }
        pending.tryComplete(false);
    }

    private static String validationError(FetchRequest request) {
        if (request.getMaxWaitMs() < 0) {
            return "max_wait_ms must be >= 0, got " + request.getMaxWaitMs();
        }
        if (request.getMinBytes() < 0) {
            return "min_bytes must be >= 0, got " + request.getMinBytes();
        }
        if (request.getMaxBytes() <= 0) {
            return "max_bytes must be > 0, got " + request.getMaxBytes();
        }
        if (request.hasReplica() && request.getReplica().getReplicaId() < 0) {
            return "replica.replica_id must be a broker id, got " + request.getReplica().getReplicaId();
        }
        for (FetchTopic topic : request.getTopicsList()) {
            for (FetchPartition partition : topic.getPartitionsList()) {
                if (partition.getPartitionMaxBytes() <= 0) {
                    return "partition_max_bytes must be > 0 for " + topic.getTopic() + "-" + partition.getPartition();
                }
                if (request.hasReplica() && partition.getCurrentLeaderEpoch() < 0) {
                    return "a replica fetch must name the leader epoch it follows for " + topic.getTopic() + "-"
                            + partition.getPartition();
                }
            }
        }
        return null;
    }

    private static FetchReply allPartitionsFailed(FetchRequest request, ErrorCode code, String message) {
        List<FetchReply.Topic> topics = new ArrayList<>(request.getTopicsCount());
        for (FetchTopic topic : request.getTopicsList()) {
            List<FetchReply.Partition> partitions = new ArrayList<>(topic.getPartitionsCount());
            for (FetchPartition partition : topic.getPartitionsList()) {
                partitions.add(FetchReply.Partition.withoutRecords(FetchPartitionResponse.newBuilder()
                        .setPartition(partition.getPartition()).setErrorCode(code).setErrorMessage(message)
                        .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1).build()));
            }
            topics.add(new FetchReply.Topic(topic.getTopic(), partitions));
        }
        return new FetchReply(topics);
    }

    /**
     * One parked fetch. Completes exactly once: on data, on error, or at its deadline. While parked
     * it waits in the node's {@link DelayedOperations} on every partition it reads, for the readable
     * end (high watermark for a consumer, log end for a follower) to pass what it last read; the
     * first to move (or its deadline) wakes it, and it parks again while it still lacks min_bytes.
     */
    private final class PendingFetch {
        private final FetchRequest request;
        private final StreamObserver<FetchReply> observer;
        private final List<TopicPartition> partitions = new ArrayList<>();
        private final AtomicBoolean done = new AtomicBoolean();
        private final long startNanos = System.nanoTime();
        private final boolean replica;
        private final DelayedOperations.Watch watch;
        /** Readable end of each partition as last read, in request order (-1 when unreadable). */
        private long[] observedEnds;
        /** For a replica fetch: the progress reports were made (once, on arrival). */
        private boolean progressReported;

        PendingFetch(FetchRequest request, StreamObserver<FetchReply> observer) {
            this.request = request;
            this.observer = observer;
            this.replica = request.hasReplica();
            this.watch = replica ? DelayedOperations.Watch.LOG_END : DelayedOperations.Watch.HIGH_WATERMARK;
            for (FetchTopic topic : request.getTopicsList()) {
                for (FetchPartition partition : topic.getPartitionsList()) {
                    partitions.add(new TopicPartition(topic.getTopic(), partition.getPartition()));
                }
            }
        }

        /** The call was cancelled by the client: stop without answering (its waiters expire unanswered). */
        void cancel() {
            done.set(true);
        }

        synchronized void tryComplete(boolean deadlinePassed) {
            if (done.get()) {
                return;
            }
            ReadResult result = read();
            long bytes = result.reply.recordBytes();
            boolean enough = bytes >= Math.max(1, request.getMinBytes()) || result.hasError
                    || request.getMinBytes() == 0 || request.getMaxWaitMs() == 0 || deadlinePassed;
            if (!enough) {
                park();
                return;
            }
            if (!done.compareAndSet(false, true)) {
                return;
            }
            observer.onNext(result.reply);
            observer.onCompleted();
            context.metrics().recordBytesOut(bytes);
            context.metrics().fetchLatency().record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        }

        private void park() {
            long remainingMs = Math.max(0, request.getMaxWaitMs()
                    - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
            DelayedOperations delayed = context.logManager().delayedOperations();
            for (int i = 0; i < partitions.size(); i++) {
                TopicPartition tp = partitions.get(i);
                // the registry reads the end again after registering: a move since our read is not missed
                delayed.await(tp, watch, observedEnds[i] + 1, remainingMs, () -> readableEnd(tp))
                        .thenAccept(code -> tryComplete(code == ErrorCode.REQUEST_TIMED_OUT));
            }
        }

        private long readableEnd(TopicPartition tp) {
            return context.partitions().partition(tp).map(this::readableEnd).orElse(Long.MAX_VALUE);
        }

        private ReadResult read() {
            List<FetchReply.Topic> topics = new ArrayList<>(request.getTopicsCount());
            long remaining = request.getMaxBytes();
            long bytes = 0;
            boolean hasError = false;
            observedEnds = new long[partitions.size()];
            boolean reportProgress = replica && !progressReported;
            progressReported = true;
            int index = 0;
            for (FetchTopic topic : request.getTopicsList()) {
                List<FetchReply.Partition> partitionReplies = new ArrayList<>(topic.getPartitionsCount());
                for (FetchPartition fp : topic.getPartitionsList()) {
                    ReadPartition read = readPartition(topic.getTopic(), fp, reportProgress,
                            bytes == 0 ? fp.getPartitionMaxBytes() : (int) Math.min(remaining, fp.getPartitionMaxBytes()));
                    FetchReply.Partition partitionReply = read.reply();
                    hasError |= partitionReply.header().getErrorCode() != ErrorCode.NONE;
                    observedEnds[index++] = read.readableEnd();
                    int size = partitionReply.records().sizeInBytes();
                    bytes += size;
                    remaining -= size;
                    partitionReplies.add(partitionReply);
                }
                topics.add(new FetchReply.Topic(topic.getTopic(), partitionReplies));
            }
            return new ReadResult(new FetchReply(topics), hasError);
        }

        /** Where reads stop for this fetch: the log end for a follower, the high watermark for a consumer. */
        private long readableEnd(Partition partition) {
            return replica ? partition.log().logEndOffset() : partition.highWatermark();
        }

        private ReadPartition readPartition(String topic, FetchPartition fp, boolean reportProgress, int maxBytes) {
            FetchPartitionResponse.Builder response = FetchPartitionResponse.newBuilder().setPartition(fp.getPartition())
                    .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1);
            Optional<Partition> found = context.partitions().partition(new TopicPartition(topic, fp.getPartition()));
            FetchPartitionResponse checked = checkPartition(topic, fp, found, reportProgress, response);
            if (checked != null) {
                return new ReadPartition(FetchReply.Partition.withoutRecords(checked), -1);
            }
            Partition partition = found.get();
            long end = readableEnd(partition);
            return new ReadPartition(read(partition, fp, maxBytes, end, response), end);
        }

        /** An error response when this fetch may not read the partition, else null. */
        private FetchPartitionResponse checkPartition(String topic, FetchPartition fp, Optional<Partition> found,
                                                      boolean reportProgress, FetchPartitionResponse.Builder response) {
            TopicPartition tp = new TopicPartition(topic, fp.getPartition());
            if (found.isEmpty()) {
                return response.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                        .setErrorMessage("unknown topic or partition " + tp).build();
            }
            Partition partition = found.get();
            if (partition.leaderId() != context.nodeId()
                    && (fp.getCurrentLeaderEpoch() < 0 || fp.getCurrentLeaderEpoch() == partition.leaderEpoch())) {
                return response.setErrorCode(ErrorCode.NOT_LEADER_OR_FOLLOWER)
                        .setErrorMessage("node " + context.nodeId() + " does not lead " + tp)
                        .setCurrentLeader(context.leaderHint(partition.leaderId(), partition.leaderEpoch())).build();
            }
            if (fp.getCurrentLeaderEpoch() >= 0 && fp.getCurrentLeaderEpoch() != partition.leaderEpoch()) {
                ErrorCode code = fp.getCurrentLeaderEpoch() < partition.leaderEpoch()
                        ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
                return response.setErrorCode(code).setErrorMessage("fetch for " + tp + " at leader epoch "
                        + fp.getCurrentLeaderEpoch() + " but the partition is at " + partition.leaderEpoch())
                        .setCurrentLeader(context.leaderHint(partition.leaderId(), partition.leaderEpoch())).build();
            }
            if (reportProgress) {
                FollowerFetchResult progress = partition.onFollowerFetch(request.getReplica().getReplicaId(), fp.getFetchOffset(),
                        fp.getCurrentLeaderEpoch(), fp.hasLastFetchedEpoch() ? fp.getLastFetchedEpoch() : -1);
                if (progress.error() != ErrorCode.NONE) {
                    // the follower tells a deleted prefix (start past its end) from a divergence by these
                    response.setLogStartOffset(partition.log().logStartOffset()).setHighWatermark(progress.highWatermark());
                    return response.setErrorCode(progress.error()).setErrorMessage("replica fetch by broker "
                            + request.getReplica().getReplicaId() + " for " + tp + " at offset " + fp.getFetchOffset()
                            + " leader epoch " + fp.getCurrentLeaderEpoch() + " refused").build();
                }
            }
            return null;
        }

        private FetchReply.Partition read(Partition partition, FetchPartition fp, int maxBytes, long end,
                                          FetchPartitionResponse.Builder response) {
            long highWatermark = partition.highWatermark();
            response.setHighWatermark(highWatermark).setLastStableOffset(highWatermark)
                    .setLogStartOffset(partition.log().logStartOffset());
            if (maxBytes <= 0 || fp.getFetchOffset() == end) {
                return FetchReply.Partition.withoutRecords(response.setErrorCode(ErrorCode.NONE).build());
            }
            try {
                LogSlice records = partition.log().readSlice(fp.getFetchOffset(), maxBytes, end);
                return new FetchReply.Partition(response.setErrorCode(ErrorCode.NONE).build(), records);
            } catch (RuntimeException e) {
                return FetchReply.Partition.withoutRecords(response.setErrorCode(ErrorMapping.codeFor(e))
                        .setErrorMessage(ErrorMapping.messageFor(e)).build());
            }
        }
    }

    private record ReadPartition(FetchReply.Partition reply, long readableEnd) {
    }

    private record ReadResult(FetchReply reply, boolean hasError) {
    }
}
