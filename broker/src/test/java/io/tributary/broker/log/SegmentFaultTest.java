package io.tributary.broker.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.tributary.broker.log.DiskFaultLogs.TP;
import static io.tributary.broker.log.DiskFaultLogs.closeExpectingFailure;
import static io.tributary.broker.log.DiskFaultLogs.logWithAckedRecords;
import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.readAll;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Disk faults in the segment files, injected deterministically: a full disk during an append and a
 * failed fsync at a checkpoint. The append is refused with a typed error and leaves nothing behind;
 * the failed fsync takes the log offline, is never retried on that file, keeps the journal that
 * holds the log's acknowledged records, and the directory opens again with all of them.
 */
class SegmentFaultTest {
    @TempDir
    Path dir;

    private final FaultyFileChannel.Faults faults = new FaultyFileChannel.Faults();

    private LogManager openFaulty() {
        return LogManager.openWithSegmentFiles(dir, (path, create) ->
                new FaultyFileChannel(SegmentFiles.Opener.DEFAULT.open(path, create), faults));
    }

    private long journalFiles() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve(Journal.DIR_NAME))) {
            return files.count();
        }
    }

    @Test
    void aFullDiskDuringASegmentWriteRefusesTheAppendAndLeavesNothingOfIt() throws Exception {
        LogManager manager = openFaulty();
        PartitionLog log = logWithAckedRecords(manager, 2);

        faults.failWrites = true;
        assertThatThrownBy(() -> log.append(batch(3, 2000, "refused"), 1)).isInstanceOf(LogStorageException.class)
                .hasMessageContaining("No space left on device").hasMessageContaining("nothing was appended");
        assertThat(log.logEndOffset()).isEqualTo(2);
        assertThat(values(readAll(log, 0))).containsExactly("acked-0", "acked-1");
        assertThat(manager.storageFailure().get(10, TimeUnit.SECONDS)).contains("No space left on device");

        faults.failWrites = false; // space again: the log takes appends where it stood
        assertThat(log.append(batch(1, 3000, "next"), 1).firstOffset()).isEqualTo(2);
        manager.close();
        try (LogManager reopened = LogManager.open(dir)) {
            assertThat(values(readAll(reopened.get(TP).orElseThrow(), 0))).containsExactly("acked-0", "acked-1", "next-0");
        }
    }

    @Test
    void aFailedSegmentFsyncTakesTheLogOfflineKeepsTheJournalAndIsNeverRetried() throws Exception {
        LogManager manager = openFaulty();
        PartitionLog log = logWithAckedRecords(manager, 3);

        faults.failForce = true;
        manager.checkpoint();
        assertThat(manager.storageFailure().get(10, TimeUnit.SECONDS)).contains("fsync").contains("Input/output error");
        assertThatThrownBy(() -> log.append(batch(1, 2000, "later"), 1)).isInstanceOf(LogStorageException.class)
                .hasMessageContaining("offline");
        int forcesAfterFailure = faults.forceCalls.get();
        assertThat(journalFiles()).as("the journal still holds what the segment may have lost").isPositive();

        faults.failForce = false; // the disk "recovers": the offline log must not trust its file again
        manager.checkpoint();
        assertThat(faults.forceCalls.get()).as("no fsync retried on the failed segment").isEqualTo(forcesAfterFailure);
        closeExpectingFailure(manager);

        try (LogManager reopened = LogManager.open(dir)) {
            PartitionLog recovered = reopened.get(TP).orElseThrow();
            assertThat(values(readAll(recovered, 0))).containsExactly("acked-0", "acked-1", "acked-2");
        }
    }
}
