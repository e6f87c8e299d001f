package io.tributary.broker.log;

import io.tributary.proto.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.batches;
import static io.tributary.broker.log.TestBatches.readAll;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 11: segments roll by time, retention and DeleteRecords move the log start and delete what lies below. */
class LogRetentionTest {
    private static final TopicPartition TP = new TopicPartition("events", 0);
    private static final long HOUR = 3_600_000L;

    @TempDir
    Path dir;
    private LogManager manager;

    @BeforeEach
    void open() {
        manager = LogManager.open(dir);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private PartitionLog log(LogConfig config) {
        return manager.getOrCreate(TP, "topic-id-1", config);
    }

    private PartitionLog reopen(LogConfig config) {
        manager.close();
        manager = LogManager.open(dir);
        return log(config);
    }

    private List<String> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("events-0"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(Segment.SUFFIX)).sorted().toList();
        }
    }

    /** One 2-record batch per hour from hour 0; segment.ms of 2 h rolls before hours 3, 6, 9 (record time, not wall time). */
    private static PartitionLog appendHourly(PartitionLog log, int hours) {
        for (int h = 0; h < hours; h++) {
            log.append(batch(2, h * HOUR, "h" + h), 1);
        }
        return log;
    }

    @Test
    void segmentsRollWhenRecordTimePassesSegmentMs() {
        PartitionLog log = appendHourly(log(LogConfig.defaults().withSegmentMs(2 * HOUR)), 10);
        // batch h ends at h*HOUR+1; a segment starting with batch s rolls when h*HOUR+1 - (s*HOUR+1) > 2h
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 6L, 12L, 18L);
    }

    @Test
    void retentionByTimeDeletesWholeSegmentsOlderThanRetentionMsBelowTheHighWatermark() throws IOException {
        LogConfig config = LogConfig.defaults().withSegmentMs(2 * HOUR)
                .withRetention(new LogConfig.Retention(true, 4 * HOUR, -1));
        PartitionLog log = appendHourly(log(config), 10); // segments 0 (h0-2), 6 (h3-5), 12 (h6-8), 18 (h9)
        long now = 10 * HOUR;

        // records older than h6 may go: segments 0 and 6 hold only such records
        assertThat(log.retentionStartOffset(now, log.logEndOffset())).isEqualTo(12);
        assertThat(log.retentionStartOffset(now, 11)).as("never past the high watermark").isEqualTo(6);
        assertThat(log.advanceLogStartOffset(log.retentionStartOffset(now, log.logEndOffset()))).isTrue();

        assertThat(log.logStartOffset()).isEqualTo(12);
        assertThat(log.segmentBaseOffsets()).containsExactly(12L, 18L);
        assertThat(segmentFiles()).containsExactly(Segment.fileName(12), Segment.fileName(18));
        assertThat(log.locate(11)).as("index entries below the start are gone").isNull();
        assertThatThrownBy(() -> log.read(11, 1000, Long.MAX_VALUE)).isInstanceOf(OffsetOutOfRangeException.class)
                .hasMessageContaining("[12, 20]");
        assertThat(values(readAll(log, 12))).startsWith("h6-0", "h6-1");
        assertThat(log.offsetForTimestamp(0)).as("a time before the start finds the first kept record").isEqualTo(12);
        assertThat(log.offsetForTimestamp(7 * HOUR)).isEqualTo(14);

        PartitionLog reopened = reopen(config);
        assertThat(reopened.logStartOffset()).isEqualTo(12);
        assertThat(reopened.logEndOffset()).isEqualTo(20);
        assertThat(reopened.offsetForTimestamp(0)).isEqualTo(12);
    }

    @Test
    void whenEverySegmentIsExpiredTheActiveOneIsRolledAndDeletedToo() throws IOException {
        LogConfig config = LogConfig.defaults().withRetention(new LogConfig.Retention(true, HOUR, -1));
        PartitionLog log = appendHourly(log(config), 3);
        long start = log.retentionStartOffset(100 * HOUR, log.logEndOffset());
        assertThat(start).isEqualTo(6);
        log.advanceLogStartOffset(start);
        assertThat(log.logStartOffset()).isEqualTo(6);
        assertThat(log.logEndOffset()).isEqualTo(6);
        assertThat(segmentFiles()).containsExactly(Segment.fileName(6));
        assertThat(log.offsetForTimestamp(0)).as("no record left").isEqualTo(-1);
        assertThat(log.append(batch(1, 101 * HOUR, "new"), 2).firstOffset()).isEqualTo(6);
        assertThat(values(readAll(log, 6))).containsExactly("new-0");
    }

    @Test
    void retentionBySizeKeepsTheNewestSegmentsWithinRetentionBytes() {
        int batchSize = batch(2, 0, "h0").remaining();
        LogConfig config = LogConfig.defaults().withSegmentBytes(2L * batchSize)
                .withRetention(new LogConfig.Retention(true, -1, 3L * batchSize));
        PartitionLog log = appendHourly(log(config), 10); // 5 segments of 2 batches
        assertThat(log.segmentBaseOffsets()).hasSize(5);
        long start = log.retentionStartOffset(0, log.logEndOffset());
        // as Kafka: a segment goes only while the partition stays at least retention.bytes without it
        assertThat(start).as("3 segments go, 4 batches stay").isEqualTo(12);
        log.advanceLogStartOffset(start);
        assertThat(log.sizeInBytes()).isEqualTo(4L * batchSize);

        PartitionLog compactOnly = manager.getOrCreate(new TopicPartition("events", 1), "topic-id-1",
                config.withRetention(LogConfig.Retention.NONE));
        appendHourly(compactOnly, 10);
        assertThat(compactOnly.retentionStartOffset(100 * HOUR, compactOnly.logEndOffset()))
                .as("cleanup.policy=compact deletes nothing by age or size").isZero();
    }

    @Test
    void deleteRecordsInsideABatchServesFromThereAndSurvivesAReopen() {
        LogConfig config = LogConfig.defaults();
        PartitionLog log = log(config);
        log.append(batch(4, 0, "a"), 1);
        log.append(batch(4, 10, "b"), 1);
        assertThat(log.advanceLogStartOffset(5)).isTrue();
        assertThat(log.advanceLogStartOffset(3)).as("never backwards").isFalse();
        assertThat(log.logStartOffset()).isEqualTo(5);
        assertThatThrownBy(() -> log.read(4, 1000, Long.MAX_VALUE)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(batches(log.read(5, 1000, Long.MAX_VALUE)).get(0).baseOffset())
                .as("the batch holding the start is served whole; consumers skip below their offset").isEqualTo(4);
        assertThat(log.offsetForTimestamp(0)).isEqualTo(5);
        assertThatThrownBy(() -> log.advanceLogStartOffset(9)).isInstanceOf(OffsetOutOfRangeException.class);

        PartitionLog reopened = reopen(config);
        assertThat(reopened.logStartOffset()).isEqualTo(5);
        assertThat(reopened.logEndOffset()).isEqualTo(8);
        reopened.truncateTo(2);
        assertThat(reopened.logEndOffset()).as("a truncation below the start empties the log there").isEqualTo(5);
        assertThat(reopened.append(batch(1, 20, "c"), 2).firstOffset()).isEqualTo(5);
        assertThat(values(readAll(reopened, 5))).containsExactly("c-0");
    }

    @Test
    void aTruncationInsideTheBatchHoldingAMidBatchStartEmptiesTheLogAtTheStart() {
        PartitionLog log = log(LogConfig.defaults());
        log.append(batch(4, 0, "a"), 1);
        log.append(batch(4, 10, "b"), 1);
        log.append(batch(2, 20, "c"), 1);
        log.advanceLogStartOffset(5);
        log.truncateTo(6); // cuts batch 4-7 whole: the log may not end below its start
        assertThat(log.logEndOffset()).isEqualTo(5);
        assertThat(log.logStartOffset()).isEqualTo(5);
        assertThat(log.append(batch(1, 30, "d"), 2).firstOffset()).isEqualTo(5);
        assertThat(values(readAll(log, 5))).containsExactly("d-0");
        log.append(batch(1, 40, "e"), 2);
        log.truncateTo(6);
        assertThat(log.logEndOffset()).as("batches from the start on are cut as usual").isEqualTo(6);
        assertThat(values(readAll(log, 5))).containsExactly("d-0");
    }

    @Test
    void aCrashAfterRecordingTheStartButBeforeDeletingFilesFinishesTheDeletionAtOpen() throws IOException {
        int batchSize = batch(2, 0, "h0").remaining();
        LogConfig config = LogConfig.defaults().withSegmentBytes(2L * batchSize);
        PartitionLog log = appendHourly(log(config), 6); // segments 0, 4, 8
        manager.index().putLogStartOffsetDurably(log.partitionKey(), 8); // the crash: recorded, files still there
        PartitionLog reopened = reopen(config);
        assertThat(reopened.logStartOffset()).isEqualTo(8);
        assertThat(segmentFiles()).containsExactly(Segment.fileName(8));
        assertThat(values(readAll(reopened, 8))).containsExactly("h4-0", "h4-1", "h5-0", "h5-1");
    }

    @Test
    void aFollowerBehindItsLeadersStartRestartsItsLogThere() throws IOException {
        LogConfig config = LogConfig.defaults();
        PartitionLog log = appendHourly(log(config), 3);
        log.truncateFullyAndStartAt(100);
        assertThat(log.logStartOffset()).isEqualTo(100);
        assertThat(log.logEndOffset()).isEqualTo(100);
        assertThat(log.durableEndOffset()).isEqualTo(100);
        assertThat(segmentFiles()).containsExactly(Segment.fileName(100));
        assertThat(log.offsetForTimestamp(0)).isEqualTo(-1);
        log.appendAsFollower(readAllOf(100, 3));

        PartitionLog reopened = reopen(config);
        assertThat(reopened.logStartOffset()).isEqualTo(100);
        assertThat(reopened.logEndOffset()).isEqualTo(103);
    }

    @Test
    void aFollowerStartingInsideTheLeadersFirstBatchTakesTheBatchWhole() {
        LogConfig config = LogConfig.defaults();
        PartitionLog leader = log(config);
        leader.append(batch(4, 0, "a"), 1);
        leader.append(batch(4, 10, "b"), 1);
        leader.advanceLogStartOffset(5); // DeleteRecords inside batch 4-7

        PartitionLog follower = manager.getOrCreate(new TopicPartition("events", 9), "topic-id-1", config);
        follower.truncateFullyAndStartAt(5);
        AppendInfo appended = follower.appendAsFollower(leader.read(5, 1000, Long.MAX_VALUE));
        assertThat(appended.firstOffset()).isEqualTo(4);
        assertThat(follower.logStartOffset()).isEqualTo(5);
        assertThat(follower.logEndOffset()).isEqualTo(8);
        assertThat(follower.segmentBaseOffsets()).containsExactly(4L);
        assertThatThrownBy(() -> follower.appendAsFollower(leader.read(5, 1000, Long.MAX_VALUE)))
                .as("only into an empty log").isInstanceOf(NonContiguousAppendException.class);

        manager.close();
        manager = LogManager.open(dir);
        PartitionLog reopened = manager.getOrCreate(new TopicPartition("events", 9), "topic-id-1", config);
        assertThat(reopened.logStartOffset()).isEqualTo(5);
        assertThat(reopened.logEndOffset()).isEqualTo(8);
        assertThat(values(reopened.read(5, 1000, Long.MAX_VALUE))).containsExactly("b-0", "b-1", "b-2", "b-3");
    }

    @Test
    void aCrashDuringTheRestartLeavesAnEmptyLogAtTheRecordedStart() throws IOException {
        LogConfig config = LogConfig.defaults();
        PartitionLog log = appendHourly(log(config), 3);
        manager.index().putLogStartOffsetDurably(log.partitionKey(), 100); // the crash: old segments still there
        PartitionLog reopened = reopen(config);
        assertThat(reopened.logStartOffset()).isEqualTo(100);
        assertThat(reopened.logEndOffset()).isEqualTo(100);
        assertThat(segmentFiles()).containsExactly(Segment.fileName(100));
    }

    /** Batches as a leader would send them from {@code baseOffset}: one record each. */
    private static java.nio.ByteBuffer readAllOf(long baseOffset, int count) {
        java.nio.ByteBuffer[] parts = new java.nio.ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            parts[i] = batch(1, i, "f" + i);
            io.tributary.record.RecordBatch.wrap(parts[i].duplicate()).setBaseOffset(baseOffset + i);
        }
        return TestBatches.concat(parts);
    }
}
