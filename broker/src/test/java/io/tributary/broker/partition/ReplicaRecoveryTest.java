package io.tributary.broker.partition;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.PartitionLog;
import io.tributary.proto.TopicPartition;
import io.tributary.record.RecordBatchBuilder;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 (the chaos harness's corruption nemesis): damage below the recovery point is found by the
 * replica's full scan and cuts the log there, so the replica refetches from its leader instead of
 * refusing to host the partition or keeping a batch that fails its CRC.
 */
class ReplicaRecoveryTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dir;

    private static ByteBuffer batch(String value) {
        return new RecordBatchBuilder(128).append(0, null, value.getBytes(StandardCharsets.UTF_8)).build();
    }

    /** Writes three batches (offsets 0, 1, 2), fsynced, and returns the position of the second in the segment. */
    private long writeThreeBatches() {
        LogManager logs = LogManager.open(dir);
        try {
            PartitionLog log = logs.getOrCreate(TP, "id", LogConfig.defaults());
            log.append(batch("a"), 0);
            long second = batch("a").remaining();
            log.append(batch("b"), 0);
            log.append(batch("c"), 0);
            log.flush();
            return second;
        } finally {
            logs.close();
        }
    }

    private Path segment() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).findFirst().orElseThrow();
        }
    }

    private ReplicaRecovery.Result reopenAndRecover(long highWatermarkCheckpoint, long[] logEnd) {
        return reopenAndRecover(highWatermarkCheckpoint, false, logEnd);
    }

    private ReplicaRecovery.Result reopenAndRecover(long highWatermarkCheckpoint, boolean outOfIsr, long[] logEnd) {
        LogManager logs = LogManager.open(dir);
        try {
            PartitionLog log = logs.getOrCreate(TP, "id", LogConfig.defaults());
            ReplicaRecovery.Result result = ReplicaRecovery.recover(log, highWatermarkCheckpoint, outOfIsr);
            logEnd[0] = log.logEndOffset();
            return result;
        } finally {
            logs.close();
        }
    }

    @Test
    void aFlippedBitBelowTheRecoveryPointCutsTheLogAtThatBatch() throws Exception {
        long second = writeThreeBatches();
        flipLastValueBitOfSecondBatch(second); // the second batch's last value byte, under its CRC
        long[] logEnd = new long[1];

        ReplicaRecovery.Result result = reopenAndRecover(1, logEnd);

        assertThat(logEnd[0]).as("cut at the damaged batch; offsets 1 and 2 come again from the leader").isEqualTo(1);
        assertThat(result.highWatermark()).isEqualTo(1);
    }

    /**
     * The chaos harness's long run: a replica cut below its high watermark was then elected (it was
     * the last ISR member) and 33,310 acknowledged records were lost. Damage below the high
     * watermark must never shorten a log that may lead.
     */
    @Test
    void damageBelowTheHighWatermarkIsRefusedNotCut() throws Exception {
        long second = writeThreeBatches();
        flipLastValueBitOfSecondBatch(second);
        long[] logEnd = new long[1];

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reopenAndRecover(3, logEnd))
                .isInstanceOf(ReplicaDamagedException.class)
                .hasMessageContaining("below the high watermark 3")
                .satisfies(e -> assertThat(((ReplicaDamagedException) e).damagedFromOffset()).isEqualTo(1));
        LogManager logs = LogManager.open(dir);
        try {
            assertThat(logs.getOrCreate(TP, "id", LogConfig.defaults()).logEndOffset()).as("nothing cut").isEqualTo(3);
        } finally {
            logs.close();
        }
    }

    /** Out of the ISR the broker cannot be elected before it has fetched back what it lost: cut and refetch. */
    @Test
    void damageBelowTheHighWatermarkIsCutOnceOutOfTheIsr() throws Exception {
        long second = writeThreeBatches();
        flipLastValueBitOfSecondBatch(second);
        long[] logEnd = new long[1];

        ReplicaRecovery.Result result = reopenAndRecover(3, true, logEnd);

        assertThat(logEnd[0]).isEqualTo(1);
        assertThat(result.highWatermark()).isEqualTo(1);
    }

    /** A segment rolled back or truncated at a batch boundary: whole, but committed records are gone. */
    @Test
    void aLogThatEndsBelowTheHighWatermarkLostCommittedRecords() throws Exception {
        long second = writeThreeBatches();
        try (RandomAccessFile file = new RandomAccessFile(segment().toFile(), "rw")) {
            file.setLength(second); // only the first batch is left, intact
        }
        long[] logEnd = new long[1];

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reopenAndRecover(3, logEnd))
                .isInstanceOf(ReplicaDamagedException.class)
                .hasMessageContaining("ends at offset 1");
        ReplicaRecovery.Result hosted = reopenAndRecover(3, true, logEnd);
        assertThat(logEnd[0]).isEqualTo(1);
        assertThat(hosted.highWatermark()).isEqualTo(1);
    }

    private void flipLastValueBitOfSecondBatch(long second) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(segment().toFile(), "rw")) {
            long at = second + batch("b").remaining() - 1;
            file.seek(at);
            int b = file.read();
            file.seek(at);
            file.write(b ^ 0x10);
        }
    }

    @Test
    void aSegmentCutShortBelowTheRecoveryPointCutsTheLogThere() throws Exception {
        long second = writeThreeBatches();
        try (RandomAccessFile file = new RandomAccessFile(segment().toFile(), "rw")) {
            file.setLength(second + 10); // a torn second batch, below the recovery point the index holds
        }
        long[] logEnd = new long[1];

        reopenAndRecover(1, logEnd);

        assertThat(logEnd[0]).isEqualTo(1);
    }
}
