package io.tributary.broker.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.tributary.broker.log.DiskFaultLogs.TP;
import static io.tributary.broker.log.DiskFaultLogs.closeExpectingFailure;
import static io.tributary.broker.log.DiskFaultLogs.logWithAckedRecords;
import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.readAll;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Disk faults under the journal, injected deterministically: a full disk during a write and a
 * failed fsync. Nothing unacknowledged is acknowledged, a failed fsync is never retried on the same
 * file, the node is told its storage failed, and the log directory opens again with every
 * acknowledged record.
 */
class JournalFaultTest {
    @TempDir
    Path dir;

    private final FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();

    private LogManager openFaulty() {
        return LogManager.openWithJournalFiles(dir, path -> new FaultyFileChannel(
                FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), faults));
    }

    @Test
    void aFailedJournalFsyncFailsTheWaitersAndIsNeverRetriedOnTheSameFile() throws Exception {
        LogManager manager = openFaulty();
        PartitionLog log = logWithAckedRecords(manager, 1);

        faults.failForce = true;
        log.append(batch(1, 1001, "unacked"), 1);
        CompletableFuture<Void> durable = manager.awaitDurable(log, 2);
        assertThatThrownBy(() -> durable.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(LogStorageException.class);
        assertThat(manager.storageFailure().get(10, TimeUnit.SECONDS)).contains("journal").contains("fsync");
        int forcesAfterFailure = faults.forceCalls.get();

        faults.failForce = false; // the disk "recovers": the journal must still not trust that file
        assertThatThrownBy(() -> log.append(batch(1, 1002, "later"), 1)).isInstanceOf(LogStorageException.class)
                .hasMessageContaining("unusable");
        assertThat(log.logEndOffset()).isEqualTo(2);
        assertThat(faults.forceCalls.get()).as("no fsync retried on the failed file").isEqualTo(forcesAfterFailure);
        closeExpectingFailure(manager);

        try (LogManager reopened = LogManager.open(dir)) {
            PartitionLog recovered = reopened.get(TP).orElseThrow();
            assertThat(values(readAll(recovered, 0))).startsWith("acked-0");
            assertThat(recovered.durableEndOffset()).isEqualTo(recovered.logEndOffset());
        }
    }

    @Test
    void aFullDiskDuringAJournalWriteLeavesTheLogAsItWasAndTheDirectoryOpensAgain() throws Exception {
        LogManager manager = openFaulty();
        PartitionLog log = logWithAckedRecords(manager, 2);

        faults.failWrites = true;
        assertThatThrownBy(() -> log.append(batch(3, 2000, "refused"), 1)).isInstanceOf(LogStorageException.class)
                .hasMessageContaining("No space left on device");
        assertThat(log.logEndOffset()).isEqualTo(2);
        assertThat(values(readAll(log, 0))).containsExactly("acked-0", "acked-1");
        assertThat(log.locate(Long.MAX_VALUE).baseOffset()).as("no index entry for the refused batch").isZero();
        assertThat(manager.storageFailure().get(10, TimeUnit.SECONDS)).contains("No space left on device");
        closeExpectingFailure(manager);

        try (LogManager reopened = LogManager.open(dir)) {
            PartitionLog recovered = reopened.get(TP).orElseThrow();
            assertThat(values(readAll(recovered, 0))).as("a half-written entry is not replayed")
                    .containsExactly("acked-0", "acked-1");
            assertThat(recovered.append(batch(1, 3000, "next"), 2).firstOffset()).isEqualTo(2);
        }
    }
}
