package io.tributary.broker.server;

import io.tributary.broker.coordinator.OffsetsLog;
import io.tributary.broker.coordinator.OffsetsTopic;
import io.tributary.broker.group.GroupRecord;
import io.tributary.broker.log.AppendInfo;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.partition.LeaderAppend;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.log.ProducedBatches;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import io.tributary.record.RecordBatches;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The offsets topic's partitions as the group coordinator reads and writes them: through the same
 * leader append, fsync and acks=all replication as a produce.
 */
final class PartitionOffsetsLog implements OffsetsLog {
    private static final int READ_BYTES = 1024 * 1024;

    private final BrokerContext context;
    private final DurableAcks durableAcks;
    private final int timeoutMs;

    PartitionOffsetsLog(BrokerContext context, int timeoutMs) {
        this.context = context;
        this.durableAcks = new DurableAcks(context);
        this.timeoutMs = timeoutMs;
    }

    private Optional<Partition> partition(int number) {
        return context.partitions().partition(new TopicPartition(OffsetsTopic.NAME, number));
    }

    @Override
    public boolean leads(int number, int leaderEpoch) {
        return partition(number).filter(p -> p.isLeader() && p.leaderEpoch() == leaderEpoch).isPresent();
    }

    @Override
    public long readAll(int number, Consumer<GroupRecord> into) {
        PartitionLog log = partition(number).orElseThrow(() -> new WriteFailedException(
                OffsetsTopic.NAME + "-" + number + " is not hosted here")).log();
        long end = log.logEndOffset();
        long offset = log.logStartOffset();
        while (offset < end) {
            ByteBuffer batches = log.read(offset, READ_BYTES, end);
            if (!batches.hasRemaining()) {
                break;
            }
            for (RecordBatch batch : RecordBatches.of(batches)) {
                if (!batch.isControlBatch()) {
                    for (Record record : batch.records()) {
                        into.accept(GroupRecord.decode(record.key(), record.value()));
                    }
                }
                offset = batch.nextOffset();
            }
        }
        return end;
    }

    @Override
    public long append(int number, int leaderEpoch, List<GroupRecord> records) {
        Partition partition = partition(number).filter(p -> p.leaderEpoch() == leaderEpoch).orElseThrow(() ->
                new WriteFailedException("node " + context.nodeId() + " no longer leads " + OffsetsTopic.NAME + "-"
                        + number + " at epoch " + leaderEpoch));
        long now = System.currentTimeMillis();
        RecordBatchBuilder builder = new RecordBatchBuilder(256 * records.size());
        for (GroupRecord record : records) {
            builder.append(now, record.keyBytes(), record.valueBytes());
        }
        ProducedBatches.Prepared prepared = ProducedBatches.prepare(builder.build(), partition.log().config());
        LeaderAppend result = partition.appendRecordsAsLeader(prepared.batches(), prepared.parsed(), true, leaderEpoch);
        if (result instanceof LeaderAppend.Refused refused) {
            throw new WriteFailedException(OffsetsTopic.NAME + "-" + number + " refused the append: " + refused.code()
                    + " " + refused.message());
        }
        AppendInfo info = ((LeaderAppend.Appended) result).info();
        durableAcks.countedOnceDurable(partition, info.lastOffset());
        return info.lastOffset() + 1;
    }

    @Override
    public CompletableFuture<Void> awaitCommitted(int number, long endOffset) {
        Optional<Partition> found = partition(number);
        if (found.isEmpty()) {
            return CompletableFuture.failedFuture(new WriteFailedException(OffsetsTopic.NAME + "-" + number
                    + " is not hosted here"));
        }
        Partition partition = found.get();
        if (partition.highWatermark() >= endOffset) {
            return CompletableFuture.completedFuture(null);
        }
        return partition.awaitReplication(endOffset, timeoutMs).thenApply(code -> {
            if (code != ErrorCode.NONE) {
                throw new WriteFailedException("records below offset " + endOffset + " of " + OffsetsTopic.NAME + "-"
                        + number + " not committed: " + code);
            }
            return null;
        });
    }
}
