package io.tributary.broker.partition;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.LogVerification;
import io.tributary.broker.log.PartitionLog;
import io.tributary.proto.TopicPartition;
import io.tributary.record.RecordBatchBuilder;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery time independent of the log's length: a replica restores its producer state and epoch
 * cache from the newest state snapshot that matches its log and scans only the batches after it;
 * what lies below is left to the log verifier, which still finds damage there.
 */
class ReplicaStateSnapshotTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dir;
    private LogManager logs;
    private final Random random = new Random(7);

    @AfterEach
    void close() {
        if (logs != null) {
            logs.close();
        }
    }

    private PartitionLog open() {
        logs = LogManager.open(dir);
        return logs.getOrCreate(TP, "id", LogConfig.defaults());
    }

    private PartitionLog reopen() {
        logs.close();
        return open();
    }

    /** Appends {@code batches} batches of three producers' idempotent records as the leader of {@code epoch}. */
    private void appendAsLeader(PartitionLog log, int epoch, int batches, int[] sequences) {
        for (int i = 0; i < batches; i++) {
            int producer = random.nextInt(sequences.length);
            int records = 1 + random.nextInt(4);
            RecordBatchBuilder builder = new RecordBatchBuilder(0, 1000 + producer, (short) 0, sequences[producer], epoch, 256);
            for (int r = 0; r < records; r++) {
                builder.append(1_000L + i, null, ("v" + i + "-" + r).getBytes(StandardCharsets.UTF_8));
            }
            sequences[producer] += records;
            log.append(builder.build(), epoch);
        }
    }

    private static void snapshot(PartitionLog log, ReplicaRecovery.Result state) {
        long end = log.logEndOffset();
        log.putStateSnapshot(end, ReplicaStateSnapshots.encode(end, state.producerState().snapshot(),
                state.epochCache().entries()).orElseThrow());
    }

    /** What a scan of the whole log makes of it: the reference a snapshot-based recovery must equal. */
    private static ReplicaRecovery.Result fullScan(PartitionLog log) {
        log.discardStateSnapshots();
        return ReplicaRecovery.recover(log, 0, true);
    }

    @Test
    void recoveryFromASnapshotEndsWithTheStateAFullScanBuildsAndLeavesOnlyThePrefixUnchecked() {
        PartitionLog log = open();
        int[] sequences = new int[3];
        appendAsLeader(log, 0, 40, sequences);
        appendAsLeader(log, 2, 40, sequences);
        snapshot(log, ReplicaRecovery.recover(log, 0, true));
        long snapshotAt = log.logEndOffset();
        appendAsLeader(log, 2, 10, sequences);
        appendAsLeader(log, 5, 30, sequences);
        log.flush();

        log = reopen();
        ReplicaRecovery.Result restored = ReplicaRecovery.recover(log, log.logEndOffset(), false);
        assertThat(restored.uncheckedBelow()).as("the batches below the snapshot were not read").isEqualTo(snapshotAt);
        ReplicaRecovery.Result scanned = fullScan(log);

        assertThat(scanned.uncheckedBelow()).isZero();
        assertThat(restored.producerState().snapshot()).isEqualTo(scanned.producerState().snapshot());
        assertThat(restored.epochCache().entries()).isEqualTo(scanned.epochCache().entries())
                .extracting(e -> e.epoch()).containsExactly(0, 2, 5);
        assertThat(restored.highWatermark()).isEqualTo(log.logEndOffset());
    }

    @Test
    void aSnapshotIsNotUsedOnceTheLogWasTruncatedBelowItAndWrittenPastItInALaterEpoch() {
        PartitionLog log = open();
        int[] sequences = new int[3];
        appendAsLeader(log, 1, 30, sequences);
        snapshot(log, ReplicaRecovery.recover(log, 0, true));
        long snapshotAt = log.logEndOffset();
        log.truncateTo(snapshotAt - 10); // a follower's truncation after a leader change
        int[] otherSequences = new int[3];
        appendAsLeader(log, 3, 30, otherSequences); // the new leader's records, past the snapshot's offset
        log.flush();

        log = reopen();
        ReplicaRecovery.Result result = ReplicaRecovery.recover(log, 0, true);

        assertThat(result.uncheckedBelow()).as("the whole log was scanned").isZero();
        assertThat(result.producerState().snapshot()).isEqualTo(fullScan(log).producerState().snapshot());
        assertThat(result.epochCache().entries()).extracting(e -> e.epoch()).containsExactly(1, 3);
    }

    @Test
    void anOlderSnapshotServesWhenTheNewestIsPastATruncation() {
        PartitionLog log = open();
        int[] sequences = new int[3];
        appendAsLeader(log, 1, 30, sequences);
        snapshot(log, ReplicaRecovery.recover(log, 0, true));
        long older = log.logEndOffset();
        appendAsLeader(log, 1, 30, sequences);
        snapshot(log, ReplicaRecovery.recover(log, 0, true));
        long truncatedTo = log.logEndOffset() - 5;
        log.truncateTo(truncatedTo);

        ReplicaRecovery.Result result = ReplicaRecovery.recover(log, 0, true);

        assertThat(result.uncheckedBelow()).isEqualTo(older);
        assertThat(log.logEndOffset()).isLessThanOrEqualTo(truncatedTo);
        assertThat(result.producerState().snapshot()).isEqualTo(fullScan(log).producerState().snapshot());
    }

    @Test
    void damageBelowTheSnapshotIsNotReadAtRecoveryButTheVerifierFindsIt() throws Exception {
        PartitionLog log = open();
        int[] sequences = new int[3];
        appendAsLeader(log, 1, 50, sequences);
        long damagedBatchPosition = 0;
        snapshot(log, ReplicaRecovery.recover(log, 0, true));
        long snapshotAt = log.logEndOffset();
        appendAsLeader(log, 1, 10, sequences);
        long end = log.logEndOffset();
        logs.close();
        logs = null;
        flipAByteOfTheFirstBatch(damagedBatchPosition);

        log = open();
        ReplicaRecovery.Result result = ReplicaRecovery.recover(log, end, false);
        assertThat(log.logEndOffset()).as("recovery did not read the damaged batch").isEqualTo(end);
        assertThat(result.uncheckedBelow()).isEqualTo(snapshotAt);

        LogVerification.Walked walked = LogVerification.walk(log, log.logStartOffset(), result.uncheckedBelow(),
                batch -> { }, LogVerification.Pace.NONE);
        assertThat(walked.damaged()).isTrue();
        assertThat(walked.reached()).isZero();
        assertThat(walked.damage()).contains("fails its CRC");

        log.discardStateSnapshots(); // what the verifier's damage handling does: the next recovery reads everything
        assertThat(ReplicaRecovery.recover(log, end, true).highWatermark()).as("cut at the damage").isZero();
        assertThat(log.logEndOffset()).isZero();
    }

    private void flipAByteOfTheFirstBatch(long batchPosition) throws Exception {
        Path segment;
        try (Stream<Path> files = Files.walk(dir)) {
            segment = files.filter(f -> f.getParent().getFileName().toString().equals("t-0"))
                    .filter(f -> f.getFileName().toString().endsWith(".log")).sorted().findFirst().orElseThrow();
        }
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            long at = batchPosition + 70; // inside the first record, under the CRC
            file.seek(at);
            int b = file.read();
            file.seek(at);
            file.write(b ^ 0x10);
        }
    }

    @Test
    void aVerifierWalkFollowsALogStartThatMovesWhileItRuns() throws Exception {
        logs = LogManager.open(dir);
        PartitionLog log = logs.getOrCreate(TP, "id", LogConfig.defaults().withSegmentBytes(1024)); // a read per segment
        int[] sequences = new int[3];
        appendAsLeader(log, 1, 60, sequences);
        long end = log.logEndOffset();
        long newStart = end - 3;
        java.util.List<Long> checked = new java.util.ArrayList<>();
        boolean[] moved = {false};
        LogVerification.Walked walked = LogVerification.walk(log, 0, end, batch -> checked.add(batch.baseOffset()), bytes -> {
            if (!moved[0] && !checked.isEmpty()) { // DeleteRecords between two reads of the walk
                moved[0] = true;
                log.advanceLogStartOffset(newStart);
            }
        });

        assertThat(walked.damaged()).as("the deleted prefix is not damage").isFalse();
        assertThat(walked.reached()).isEqualTo(end);
        assertThat(checked).as("it went on from the new start, not through what was deleted").hasSizeLessThan(60)
                .last().satisfies(last -> assertThat(last).isGreaterThanOrEqualTo(newStart - 4));
    }
}
