package io.tributary.broker.log;

import io.tributary.proto.TopicPartition;
import io.tributary.record.CorruptRecordException;
import io.tributary.record.RecordBatch;
import io.tributary.record.UnsupportedRecordFormatException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.batches;
import static io.tributary.broker.log.TestBatches.bytes;
import static io.tributary.broker.log.TestBatches.concat;
import static io.tributary.broker.log.TestBatches.readAll;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionLogTest {
    private static final TopicPartition TP = new TopicPartition("orders", 3);

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

    /** Appends batches of 1..4 records (sizes cycle) and returns their expected values, in order. */
    private static List<String> appendMany(PartitionLog log, int batchCount) {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < batchCount; i++) {
            int records = 1 + i % 4;
            AppendInfo info = log.append(batch(records, 1_000L * i, "b" + i), 7);
            assertThat(info.batchCount()).isEqualTo(1);
            assertThat(info.lastOffset() - info.firstOffset() + 1).isEqualTo(records);
            for (int r = 0; r < records; r++) {
                expected.add("b" + i + "-" + r);
            }
        }
        return expected;
    }

    /** Issue 11: message.timestamp.type=LogAppendTime was validated and stored but not applied. */
    @Test
    void aLogAppendTimeTopicStampsBatchesOnTheLeaderAndFollowersKeepTheStamp() {
        PartitionLog log = log(LogConfig.defaults().withLogAppendTime(true));
        long before = System.currentTimeMillis();
        AppendInfo info = log.append(batch(3, 100, "x"), 5);
        assertThat(info.logAppendTimeMs()).isBetween(before, System.currentTimeMillis());
        assertThat(info.maxTimestamp()).isEqualTo(info.logAppendTimeMs());

        RecordBatch stored = batches(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE)).get(0);
        assertThat(stored.timestampType()).isEqualTo(io.tributary.record.TimestampType.LOG_APPEND_TIME);
        assertThat(stored.maxTimestamp()).isEqualTo(info.logAppendTimeMs());
        assertThat(stored.isValid()).as("the CRC covers the stamp").isTrue();
        assertThat(stored.records()).allSatisfy(r -> assertThat(r.timestamp()).isEqualTo(info.logAppendTimeMs()));
        assertThat(log.offsetForTimestamp(info.logAppendTimeMs())).as("indexed by the stamp").isZero();

        PartitionLog createTime = manager.getOrCreate(new TopicPartition("orders", 4), "topic-id-1", LogConfig.defaults());
        AppendInfo plain = createTime.append(batch(1, 100, "y"), 5);
        assertThat(plain.logAppendTimeMs()).isEqualTo(-1);
        assertThat(plain.maxTimestamp()).isEqualTo(100);

        PartitionLog follower = manager.getOrCreate(new TopicPartition("orders", 5), "topic-id-1",
                LogConfig.defaults().withLogAppendTime(true));
        AppendInfo copied = follower.appendAsFollower(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE));
        assertThat(copied.logAppendTimeMs()).isEqualTo(-1);
        assertThat(batches(follower.read(0, Integer.MAX_VALUE, Long.MAX_VALUE)).get(0).maxTimestamp())
                .isEqualTo(info.logAppendTimeMs());
    }

    @Test
    void appendAssignsDenseOffsetsAndEpochAndReadsBack() {
        PartitionLog log = log(LogConfig.defaults());
        ByteBuffer two = concat(batch(3, 100, "x"), batch(2, 200, "y"));
        AppendInfo first = log.append(two, 5);
        assertThat(first).isEqualTo(new AppendInfo(0, 4, 201, 2, two.remaining(), -1));
        assertThat(RecordBatch.wrap(two.duplicate()).baseOffset()).as("rewritten in place").isZero();
        AppendInfo second = log.append(batch(1, 300, "z"), 6);
        assertThat(second.firstOffset()).isEqualTo(5);
        assertThat(log.logEndOffset()).isEqualTo(6);

        ByteBuffer read = log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE);
        List<RecordBatch> got = batches(read);
        assertThat(got).extracting(RecordBatch::baseOffset).containsExactly(0L, 3L, 5L);
        assertThat(got).extracting(RecordBatch::partitionLeaderEpoch).containsExactly(5, 5, 6);
        got.forEach(RecordBatch::ensureValid);
        assertThat(values(read)).containsExactly("x-0", "x-1", "x-2", "y-0", "y-1", "z-0");
    }

    @Test
    void readsFromEveryOffsetReturnTheContainingBatchFirst() {
        PartitionLog log = log(LogConfig.defaults());
        List<String> expected = appendMany(log, 60);
        long end = log.logEndOffset();
        assertThat(end).isEqualTo(expected.size());
        for (long offset = 0; offset < end; offset++) {
            ByteBuffer one = log.read(offset, 1, end);
            List<RecordBatch> got = batches(one);
            assertThat(got).as("maxBytes 1 still gives one batch at %d", offset).hasSize(1);
            assertThat(got.get(0).baseOffset()).isLessThanOrEqualTo(offset);
            assertThat(got.get(0).lastOffset()).isGreaterThanOrEqualTo(offset);

            ByteBuffer rest = log.read(offset, Integer.MAX_VALUE, end);
            List<String> values = values(rest);
            assertThat(values.subList(values.size() - (int) (end - offset), values.size()))
                    .isEqualTo(expected.subList((int) offset, (int) end));
        }
        assertThat(log.read(end, 100, end).remaining()).isZero();
        assertThat(values(readAll(log, 0))).isEqualTo(expected);
    }

    @Test
    void maxBytesAndMaxOffsetBound() {
        PartitionLog log = log(LogConfig.defaults());
        appendMany(log, 20);
        ByteBuffer all = log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE);
        List<RecordBatch> allBatches = batches(all);
        int threeBatches = allBatches.get(0).sizeInBytes() + allBatches.get(1).sizeInBytes() + allBatches.get(2).sizeInBytes();
        assertThat(batches(log.read(0, threeBatches, Long.MAX_VALUE))).hasSize(3);
        assertThat(batches(log.read(0, threeBatches + allBatches.get(3).sizeInBytes() - 1, Long.MAX_VALUE))).hasSize(3);

        long hw = allBatches.get(5).baseOffset();
        List<RecordBatch> belowHw = batches(log.read(0, Integer.MAX_VALUE, hw));
        assertThat(belowHw).hasSize(5);
        assertThat(belowHw.get(4).lastOffset()).isLessThan(hw);
        assertThat(log.read(hw, Integer.MAX_VALUE, hw).remaining()).as("fetch at the high watermark").isZero();
        // a batch straddling the high watermark is not returned
        assertThat(log.read(allBatches.get(5).baseOffset(), 100, allBatches.get(5).lastOffset()).remaining()).isZero();
    }

    @Test
    void rollsSegmentsAndReadsAcrossThem() {
        int batchSize = batch(1, 0, "b0").remaining();
        PartitionLog log = log(LogConfig.defaults().withSegmentBytes(3L * batchSize + 10));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            log.append(batch(1, i, "b" + i % 10), 0);
            expected.add("b" + i % 10 + "-0");
        }
        List<Long> bases = log.segmentBaseOffsets();
        assertThat(bases).hasSize(10).startsWith(0L, 3L, 6L);
        assertThat(dir.resolve("orders-3").resolve("00000000000000000003.log")).exists();
        ByteBuffer fromSecond = log.read(4, Integer.MAX_VALUE, Long.MAX_VALUE);
        assertThat(batches(fromSecond)).as("one segment per read").extracting(RecordBatch::baseOffset).containsExactly(4L, 5L);
        assertThat(values(readAll(log, 0))).isEqualTo(expected);
        assertThat(log.sizeInBytes()).isEqualTo(30L * batchSize);
        // an append larger than segmentBytes goes whole into a fresh segment
        AppendInfo big = log.append(concat(batch(1, 0, "b0"), batch(1, 0, "b1"), batch(1, 0, "b2"), batch(1, 0, "b3")), 0);
        assertThat(log.segmentBaseOffsets()).last().isEqualTo(big.firstOffset());
        assertThat(batches(log.read(big.firstOffset(), Integer.MAX_VALUE, Long.MAX_VALUE))).hasSize(4);
    }

    @Test
    void indexPlacesEveryBatch() {
        int batchSize = batch(2, 0, "b0").remaining();
        PartitionLog log = log(LogConfig.defaults().withSegmentBytes(10L * batchSize));
        for (int i = 0; i < 100; i++) {
            log.append(batch(2, i, "b" + i % 10), 0);
        }
        for (long offset = 0; offset < 200; offset++) {
            LogIndex.Location location = log.locate(offset);
            long batchNo = offset / 2;
            assertThat(location.baseOffset()).isEqualTo(batchNo * 2);
            assertThat(location.segmentBaseOffset()).isEqualTo(batchNo / 10 * 20);
            assertThat(location.position()).isEqualTo((int) (batchNo % 10) * batchSize);
            assertThat(location.size()).isEqualTo(batchSize);
        }
    }

    @Test
    void offsetForTimestampFindsTheFirstRecordAtOrAfter() {
        PartitionLog log = log(LogConfig.defaults());
        log.append(batch(3, 100, "a"), 0);   // offsets 0-2, ts 100-102
        log.append(batch(3, 90, "late"), 0); // offsets 3-5, ts 90-92: max timestamp does not grow
        log.append(batch(4, 200, "b"), 0);   // offsets 6-9, ts 200-203
        assertThat(log.offsetForTimestamp(0)).isEqualTo(0);
        assertThat(log.offsetForTimestamp(101)).isEqualTo(1);
        assertThat(log.offsetForTimestamp(102)).isEqualTo(2);
        assertThat(log.offsetForTimestamp(103)).isEqualTo(6);
        assertThat(log.offsetForTimestamp(202)).isEqualTo(8);
        assertThat(log.offsetForTimestamp(204)).isEqualTo(-1);
    }

    @Test
    void badInputChangesNothing() {
        PartitionLog log = log(LogConfig.defaults().withMaxMessageBytes(500));
        log.append(batch(2, 0, "ok"), 0);
        byte[] before = bytes(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE));

        ByteBuffer crc = batch(2, 0, "crc");
        crc.put(70, (byte) (crc.get(70) ^ 0x10));
        assertRejected(log, crc, CorruptRecordException.class, "CRC");

        ByteBuffer whole = batch(2, 0, "cut");
        assertRejected(log, whole.duplicate().limit(whole.limit() - 3).slice(), CorruptRecordException.class, "exceeds");

        ByteBuffer magic = batch(1, 0, "magic");
        magic.put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        assertRejected(log, magic, UnsupportedRecordFormatException.class, "magic 1");

        ByteBuffer large = batch(40, 0, "large-value-to-pass-500-bytes");
        assertThatThrownBy(() -> log.append(large, 0)).isInstanceOf(MessageTooLargeException.class)
                .hasMessageContaining(large.remaining() + " bytes").hasMessageContaining("500");

        ByteBuffer empty = new io.tributary.record.RecordBatchBuilder(64).build();
        assertRejected(log, empty, CorruptRecordException.class, "no records");
        assertRejected(log, ByteBuffer.allocate(0), CorruptRecordException.class, "no record batch");

        ByteBuffer badSecond = batch(1, 0, "bad");
        badSecond.put(65, (byte) (badSecond.get(65) ^ 1));
        assertRejected(log, concat(batch(1, 0, "good"), badSecond), CorruptRecordException.class, "batch");

        assertThat(log.logEndOffset()).isEqualTo(2);
        assertThat(bytes(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE))).isEqualTo(before);
        assertThat(log.sizeInBytes()).isEqualTo(before.length);
        assertThat(log.append(batch(1, 0, "next"), 0).firstOffset()).isEqualTo(2);
    }

    private static void assertRejected(PartitionLog log, ByteBuffer input, Class<? extends Exception> type, String message) {
        long end = log.logEndOffset();
        long size = log.sizeInBytes();
        assertThatThrownBy(() -> log.append(input, 0)).isInstanceOf(type).hasMessageContaining(message);
        assertThat(log.logEndOffset()).isEqualTo(end);
        assertThat(log.sizeInBytes()).isEqualTo(size);
    }

    @Test
    void offsetOutOfRangeCarriesTheBounds() {
        PartitionLog log = log(LogConfig.defaults());
        log.append(batch(3, 0, "a"), 0);
        assertThatThrownBy(() -> log.read(4, 100, Long.MAX_VALUE))
                .isInstanceOfSatisfying(OffsetOutOfRangeException.class, e -> {
                    assertThat(e.logStartOffset()).isZero();
                    assertThat(e.logEndOffset()).isEqualTo(3);
                })
                .hasMessageContaining("offset 4 is outside [0, 3]");
        assertThatThrownBy(() -> log.read(-1, 100, Long.MAX_VALUE))
                .isInstanceOf(OffsetOutOfRangeException.class).hasMessageContaining("offset -1 is outside [0, 3]");
        assertThat(log.read(3, 100, Long.MAX_VALUE).remaining()).isZero();
    }

    @Test
    void truncateToRemovesBatchesAndIndexAndOffsetsContinue() {
        int batchSize = batch(2, 0, "b0").remaining();
        PartitionLog log = log(LogConfig.defaults().withSegmentBytes(3L * batchSize));
        for (int i = 0; i < 10; i++) {
            log.append(batch(2, 100 + i, "b" + i), 0); // batch i = offsets 2i, 2i+1
        }
        log.flush();
        log.truncateTo(9); // mid-batch: the batch 8-9 goes whole
        assertThat(log.logEndOffset()).isEqualTo(8);
        assertThat(log.durableEndOffset()).isEqualTo(8);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 6L);
        assertThat(log.locate(100).baseOffset()).isEqualTo(6);
        assertThat(log.offsetForTimestamp(105)).isEqualTo(-1);
        assertThat(log.append(batch(1, 500, "new"), 0).firstOffset()).isEqualTo(8);
        assertThat(values(readAll(log, 0))).endsWith("b3-1", "new-0");
        assertThat(log.offsetForTimestamp(105)).isEqualTo(8);
        log.truncateTo(0);
        assertThat(log.logEndOffset()).isZero();
        assertThat(log.sizeInBytes()).isZero();
        assertThat(log.append(batch(1, 0, "again"), 0).firstOffset()).isZero();
    }

    @Test
    void readsRunConcurrentlyWithAppendsAndSeeOnlyWholePublishedBatches() throws Exception {
        int batchSize = batch(3, 0, "c0").remaining();
        PartitionLog log = log(LogConfig.defaults().withSegmentBytes(20L * batchSize));
        int appends = 400;
        List<Throwable> errors = new ArrayList<>();
        Thread reader = new Thread(() -> {
            long offset = 0;
            try {
                while (offset < 3L * appends) {
                    long end = log.logEndOffset();
                    ByteBuffer chunk = log.read(offset, 4096, Long.MAX_VALUE);
                    for (RecordBatch b : batches(chunk)) {
                        b.ensureValid();
                        assertThat(b.baseOffset()).isLessThanOrEqualTo(offset);
                        assertThat(b.lastOffset()).isLessThan(Math.max(end, log.logEndOffset()));
                        offset = b.nextOffset();
                    }
                }
            } catch (Throwable e) {
                errors.add(e);
            }
        });
        reader.start();
        for (int i = 0; i < appends; i++) {
            log.append(batch(3, i, "c" + i % 10), 0);
        }
        reader.join(20_000);
        assertThat(reader.isAlive()).isFalse();
        assertThat(errors).isEmpty();
    }

    private void checkpoint(PartitionLog log, long highWatermark) {
        manager.checkpointHighWatermarks(Map.of(log, log.highWatermarkToCheckpoint(highWatermark)));
    }

    @Test
    void theHighWatermarkCheckpointIsCappedAtTheDurableEndSurvivesAReopenAndFollowsATruncation() {
        PartitionLog log = log(LogConfig.defaults());
        log.append(batch(3, 0, "a"), 1);
        checkpoint(log, 3);
        assertThat(log.highWatermarkCheckpoint()).as("nothing fsynced yet").isZero();
        log.flush();
        log.append(batch(2, 0, "b"), 1);
        checkpoint(log, 5);
        assertThat(log.highWatermarkCheckpoint()).as("capped at the durable end").isEqualTo(3);
        log.flush();
        checkpoint(log, 5);

        manager.close();
        manager = LogManager.open(dir);
        PartitionLog reopened = log(LogConfig.defaults());
        assertThat(reopened.highWatermarkCheckpoint()).isEqualTo(5);
        reopened.truncateTo(3);
        assertThat(reopened.highWatermarkCheckpoint()).as("an (unclean) truncation below it lowers it").isEqualTo(3);
    }
}
