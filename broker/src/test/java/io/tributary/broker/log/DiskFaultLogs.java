package io.tributary.broker.log;

import io.tributary.proto.TopicPartition;

import java.util.concurrent.TimeUnit;

import static io.tributary.broker.log.TestBatches.batch;

/** What the disk-fault tests share: a log with acknowledged records, and closing a manager a fault broke. */
final class DiskFaultLogs {
    static final TopicPartition TP = new TopicPartition("events", 0);

    private DiskFaultLogs() {
    }

    /** A log holding {@code count} acknowledged records "acked-0"... in one batch. */
    static PartitionLog logWithAckedRecords(LogManager manager, int count) throws Exception {
        PartitionLog log = manager.getOrCreate(TP, "id-1", LogConfig.defaults());
        log.append(batch(count, 1000, "acked"), 1);
        manager.awaitDurable(log, count).get(10, TimeUnit.SECONDS);
        return log;
    }

    static void closeExpectingFailure(LogManager manager) {
        try {
            manager.close();
        } catch (LogStorageException expected) {
            // a failed journal or an offline log cannot be closed cleanly
        }
    }
}
