package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.proto.TopicPartition;
import io.tributary.record.CompressionType;
import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import io.tributary.record.RecordBatches;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compaction under seeded random workloads (keys, tombstones, codecs, idempotent producers, several
 * passes): offsets never change, the latest record of every key stays, tombstones go after
 * delete.retention.ms, the active segment is untouched, the index agrees with the segments (before
 * and after a restart), and a follower copying the compacted log holds the same records.
 */
class LogCompactionTest {
    private static final TopicPartition LEADER = new TopicPartition("compacted", 0);
    private static final TopicPartition FOLLOWER = new TopicPartition("compacted", 1);
    private static final long DAY = 86_400_000L;
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private LogManager manager;
    private final LogCleaner cleaner = new LogCleaner(8L << 20, Long.MAX_VALUE / 4);

    @BeforeEach
    void open() {
        manager = LogManager.open(dir);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static LogConfig config() {
        return LogConfig.defaults().withSegmentBytes(2048)
                .withCompaction(new LogConfig.Compaction(true, DAY, 0.5, 0));
    }

    private PartitionLog log(TopicPartition tp) {
        return manager.getOrCreate(tp, "topic-id-" + tp.partition(), config());
    }

    /** What was written at each offset. */
    private record Written(long offset, String key, String value, long timestamp, long producerId) {
    }

    /** Appends random batches; returns what went in, by offset. */
    private static void appendRandom(PartitionLog log, Random random, int batches, int keys, long firstTimestamp,
                                     Map<Long, Written> written, Map<Long, Integer> sequences) {
        long timestamp = firstTimestamp;
        for (int b = 0; b < batches; b++) {
            long producerId = random.nextInt(3) == 0 ? -1 : 100 + random.nextInt(3);
            int count = 1 + random.nextInt(6);
            int sequence = producerId < 0 ? -1 : sequences.getOrDefault(producerId, 0);
            RecordBatchBuilder builder = new RecordBatchBuilder(0, producerId, producerId < 0 ? -1 : (short) 0,
                    sequence, -1, 256).compression(CompressionType.values()[random.nextInt(5)]);
            List<Written> batch = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = "k" + random.nextInt(keys);
                String value = random.nextInt(8) == 0 ? null : key + "=" + random.nextInt(1_000_000);
                timestamp += random.nextInt(1000);
                builder.append(timestamp, key.getBytes(StandardCharsets.UTF_8),
                        value == null ? null : value.getBytes(StandardCharsets.UTF_8));
                batch.add(new Written(-1, key, value, timestamp, producerId));
            }
            AppendInfo info = log.append(builder.build(), 1);
            for (int i = 0; i < count; i++) {
                Written w = batch.get(i);
                written.put(info.firstOffset() + i, new Written(info.firstOffset() + i, w.key(), w.value(), w.timestamp(),
                        producerId));
            }
            if (producerId >= 0) {
                sequences.put(producerId, sequence + count);
            }
        }
        log.flush();
    }

    /** Every record the log serves, by offset, read fetch after fetch from its start. */
    private static TreeMap<Long, Record> readAll(PartitionLog log) {
        TreeMap<Long, Record> out = new TreeMap<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ByteBuffer chunk = log.read(offset, 1 << 20, Long.MAX_VALUE);
            if (!chunk.hasRemaining()) {
                break; // a gap compaction left at the end of the closed segments
            }
            for (RecordBatch batch : RecordBatches.of(chunk)) {
                batch.ensureValid();
                for (Record record : batch.records()) {
                    out.put(record.offset(), record);
                }
                offset = batch.nextOffset();
            }
        }
        return out;
    }

    private static int emptyBatches(PartitionLog log) {
        int empty = 0;
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ByteBuffer chunk = log.read(offset, 1 << 20, Long.MAX_VALUE);
            if (!chunk.hasRemaining()) {
                break;
            }
            for (RecordBatch batch : RecordBatches.of(chunk)) {
                empty += batch.recordCount() == 0 ? 1 : 0;
                offset = batch.nextOffset();
            }
        }
        return empty;
    }

    private static long lastOffsetOf(Map<Long, Written> written, long producerId) {
        return written.values().stream().filter(w -> w.producerId() == producerId).mapToLong(Written::offset).max()
                .orElse(-1L);
    }

    private LogCleaner.Pass clean(PartitionLog log, Map<Long, Written> written, long nowMs) throws Exception {
        return cleaner.clean(log, log.logEndOffset(), pid -> lastOffsetOf(written, pid), nowMs);
    }

    private static void assertCompacted(PartitionLog log, Map<Long, Written> written, long cleanedBelow, long horizonMs) {
        TreeMap<Long, Record> served = readAll(log);
        Map<String, Long> latest = new HashMap<>();
        written.values().forEach(w -> latest.merge(w.key(), w.offset(), Math::max));
        for (Record record : served.values()) {
            Written w = written.get(record.offset());
            assertThat(w).as("offset %d was written", record.offset()).isNotNull();
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(w.key());
            assertThat(record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8))
                    .as("value at %d", record.offset()).isEqualTo(w.value());
            assertThat(record.timestamp()).isEqualTo(w.timestamp());
            if (record.offset() < cleanedBelow) {
                Long later = latest.get(w.key());
                assertThat(later <= record.offset() || later >= cleanedBelow)
                        .as("%s at %d was replaced at %d, below %d", w.key(), record.offset(), later, cleanedBelow)
                        .isTrue();
                assertThat(record.value() != null || record.timestamp() >= horizonMs)
                        .as("tombstone of %s at %d expired", w.key(), record.offset()).isTrue();
            }
        }
        for (Map.Entry<String, Long> e : latest.entrySet()) {
            Written w = written.get(e.getValue());
            boolean expiredTombstone = w.value() == null && w.timestamp() < horizonMs && w.offset() < cleanedBelow;
            assertThat(served.containsKey(w.offset()))
                    .as("the latest record of %s (offset %d) is served", e.getKey(), w.offset())
                    .isEqualTo(!expiredTombstone);
        }
        // Every offset reads from the first record the log still holds at or after it.
        for (long offset = log.logStartOffset(); offset < log.logEndOffset(); offset += 7) {
            Long expected = served.ceilingKey(offset);
            ByteBuffer chunk = log.read(offset, 1, Long.MAX_VALUE);
            List<Record> got = chunk.hasRemaining() ? RecordBatches.of(chunk).records(offset) : List.of();
            Long first = got.isEmpty() ? null : got.get(0).offset();
            if (expected != null && first == null) {
                // a batch left empty for its producer: the next read goes past it
                assertThat(chunk.hasRemaining()).as("a read at %d returns a batch", offset).isTrue();
            } else {
                assertThat(first).as("the first record read at %d", offset).isEqualTo(expected);
            }
        }
    }

    private byte[] activeSegmentBytes(TopicPartition tp, PartitionLog log) throws IOException {
        long active = log.segmentBaseOffsets().get(log.segmentBaseOffsets().size() - 1);
        return Files.readAllBytes(dir.resolve(tp.topic() + "-" + tp.partition()).resolve(Segment.fileName(active)));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void randomWorkloadsKeepTheLatestRecordOfEveryKeyAtItsOffset(long seed) throws Exception {
        Random random = new Random(seed);
        PartitionLog log = log(LEADER);
        Map<Long, Written> written = new HashMap<>();
        Map<Long, Integer> sequences = new HashMap<>();
        int keys = 5 + random.nextInt(40);
        long now = T0;
        long cleanedBelow = 0;
        for (int round = 0; round < 4; round++) {
            appendRandom(log, random, 40 + random.nextInt(80), keys, now, written, sequences);
            now += 3_600_000L;
            byte[] activeBefore = activeSegmentBytes(LEADER, log);
            long endBefore = log.logEndOffset();

            LogCleaner.Pass pass = clean(log, written, now);

            assertThat(pass.cleaned()).as("round %d: half the log or more is new", round).isTrue();
            cleanedBelow = pass.cleanedBelow();
            assertThat(cleanedBelow).isEqualTo(log.segmentBaseOffsets().get(log.segmentBaseOffsets().size() - 1));
            assertThat(log.logEndOffset()).isEqualTo(endBefore);
            assertThat(activeSegmentBytes(LEADER, log)).as("the active segment is untouched").isEqualTo(activeBefore);
            assertCompacted(log, written, cleanedBelow, now - DAY);
            assertThat(pass.bytesAfter()).as("round %d removed records", round).isLessThan(pass.bytesBefore());
        }
        assertThat(readAll(log)).as("records replaced by later ones are gone").hasSizeLessThan(written.size() / 2);
        assertThat(emptyBatches(log)).as("emptied batches stay only while they may be their producer's last")
                .isLessThanOrEqualTo(3);

        // A day later every tombstone below the cleaned offset has expired: the next pass removes them.
        now += DAY + 1;
        LogCleaner.Pass expiry = clean(log, written, now);
        assertThat(expiry.cleaned()).isTrue();
        assertCompacted(log, written, cleanedBelow, now - DAY);

        // A restart recovers the compacted log (gaps and all) with the same records and index.
        TreeMap<Long, Record> before = readAll(log);
        manager.close();
        manager = LogManager.open(dir);
        log = log(LEADER);
        assertThat(readAll(log)).isEqualTo(before);
        assertCompacted(log, written, cleanedBelow, now - DAY);

        // Without its index the log is scanned from its first segment: the gaps below the compaction
        // checkpoint are accepted, and every record comes back.
        manager.close();
        LogManager.deleteRecursively(dir.resolve(LogManager.INDEX_DIR));
        manager = LogManager.open(dir);
        log = log(LEADER);
        assertThat(readAll(log)).isEqualTo(before);
        assertCompacted(log, written, cleanedBelow, now - DAY);

        // A follower copying the compacted log fetch by fetch holds the same records, also after a restart.
        PartitionLog follower = log(FOLLOWER);
        long offset = 0;
        while (offset < log.logEndOffset()) {
            ByteBuffer chunk = log.read(offset, 3000, Long.MAX_VALUE);
            if (!chunk.hasRemaining()) {
                break;
            }
            follower.appendAsFollower(chunk);
            offset = follower.logEndOffset();
        }
        follower.flush();
        assertThat(readAll(follower)).isEqualTo(readAll(log).headMap(follower.logEndOffset()));
        manager.close();
        manager = LogManager.open(dir);
        assertThat(readAll(log(FOLLOWER))).isEqualTo(before.headMap(log(FOLLOWER).logEndOffset()));
    }

    @Test
    void aRestartFinishesASwapACrashInterruptedAndDropsAnUnfinishedCleaning() throws Exception {
        PartitionLog log = log(LEADER);
        Map<Long, Written> written = new HashMap<>();
        appendRandom(log, new Random(11), 150, 8, T0, written, new HashMap<>());
        Path partitionDir = dir.resolve("compacted-0");
        String first = Segment.fileName(log.segmentBaseOffsets().get(0));
        byte[] uncleaned = Files.readAllBytes(partitionDir.resolve(first));
        LogCleaner.Pass pass = clean(log, written, T0 + 1000);
        assertThat(pass.segmentsRewritten()).isPositive();
        TreeMap<Long, Record> compacted = readAll(log);
        byte[] cleaned = Files.readAllBytes(partitionDir.resolve(first));
        assertThat(cleaned).isNotEqualTo(uncleaned);
        manager.close();

        // As if the node died after the index was switched to the cleaned copy but before the rename.
        Files.write(partitionDir.resolve(first + LogRecovery.SWAP_SUFFIX), cleaned);
        Files.write(partitionDir.resolve(first), uncleaned);
        String second = Segment.fileName(log.segmentBaseOffsets().get(1));
        Files.write(partitionDir.resolve(second + LogRecovery.CLEANED_SUFFIX), new byte[] {1, 2, 3});
        manager = LogManager.open(dir);
        log = log(LEADER);

        assertThat(readAll(log)).isEqualTo(compacted);
        assertThat(Files.readAllBytes(partitionDir.resolve(first))).isEqualTo(cleaned);
        assertThat(partitionDir.resolve(second + LogRecovery.CLEANED_SUFFIX)).doesNotExist();
    }

    @Test
    void aProducersLastBatchStaysAsAHeaderWhenCompactionEmptiesIt() throws Exception {
        PartitionLog log = log(LEADER);
        // producer 7 writes k once; then a non-idempotent writer replaces k many times, rolling segments
        RecordBatchBuilder first = new RecordBatchBuilder(0, 7L, (short) 0, 41, -1, 64);
        first.append(T0, "k".getBytes(StandardCharsets.UTF_8), "v0".getBytes(StandardCharsets.UTF_8));
        log.append(first.build(), 1);
        for (int i = 1; i < 200; i++) {
            log.append(new RecordBatchBuilder(64).append(T0 + i, "k".getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8)).build(), 1);
        }
        log.flush();

        cleaner.clean(log, log.logEndOffset(), pid -> pid == 7L ? 0L : -1L, T0 + 1000);

        ByteBuffer head = log.read(0, 1, Long.MAX_VALUE);
        RecordBatch kept = RecordBatches.of(head).iterator().next();
        assertThat(List.of(kept.baseOffset(), kept.producerId(), (long) kept.baseSequence(), (long) kept.recordCount()))
                .as("producer 7's only batch keeps its header, so its last sequence (41) survives")
                .isEqualTo(List.of(0L, 7L, 41L, 0L));
        assertThat(readAll(log).values()).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .last().isEqualTo("v199");
    }

    /** A producer that never stops writing always has its latest batch above the high watermark. */
    @Test
    void emptiedBatchesOfAProducerStillWritingGoOnceALaterOneIsCommitted() throws Exception {
        PartitionLog log = log(LEADER);
        byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 200; i++) {
            log.append(new RecordBatchBuilder(0, 9L, (short) 0, i, -1, 64).append(T0 + i, key,
                    ("v" + i).getBytes(StandardCharsets.UTF_8)).build(), 1);
        }
        log.flush();
        long highWatermark = 190; // the producer's latest batches (190..199) are not committed yet

        cleaner.clean(log, highWatermark, pid -> 199L, T0 + 1000);

        assertThat(emptyBatches(log)).as("only the producer's last batch of the cleaned range stays emptied")
                .isLessThanOrEqualTo(1);
    }

    @Test
    void segmentsYoungerThanTheMinimumCompactionLagWait() throws Exception {
        PartitionLog log = log(LEADER);
        log.updateConfig(config().withCompaction(new LogConfig.Compaction(true, DAY, 0.5, 3_600_000L)));
        Map<Long, Written> written = new HashMap<>();
        appendRandom(log, new Random(5), 120, 10, T0, written, new HashMap<>());
        long newest = written.values().stream().mapToLong(Written::timestamp).max().orElseThrow();

        assertThat(clean(log, written, newest + 1000).cleaned()).as("every segment is younger than an hour").isFalse();
        LogCleaner.Pass later = clean(log, written, newest + 3_600_001L);
        assertThat(later.cleaned()).isTrue();
        assertCompacted(log, written, later.cleanedBelow(), newest + 3_600_001L - DAY);
    }

    @Test
    void aSegmentCompactionEmptiesIsDeletedUnlessItIsTheFirst() throws Exception {
        PartitionLog log = log(LEADER);
        byte[] key = "only".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 300; i++) {
            log.append(new RecordBatchBuilder(64).append(T0 + i, key, ("v" + i).getBytes(StandardCharsets.UTF_8)).build(), 1);
        }
        log.flush();
        int before = log.segmentBaseOffsets().size();

        cleaner.clean(log, log.logEndOffset(), pid -> -1L, T0 + 1000);

        // The first segment stays (emptied), the last closed one holds 289 (the latest the pass mapped), then the active one.
        assertThat(before).isGreaterThan(5);
        assertThat(log.segmentBaseOffsets()).hasSize(3);
        List<Long> expected = new ArrayList<>(List.of(289L)); // then the untouched active segment
        for (long offset = log.segmentBaseOffsets().get(2); offset < 300; offset++) {
            expected.add(offset);
        }
        assertThat(readAll(log).keySet()).containsExactlyElementsOf(expected);
        manager.close();
        manager = LogManager.open(dir);
        assertThat(readAll(log(LEADER)).keySet()).as("recovery accepts the missing segments")
                .containsExactlyElementsOf(expected);
    }

    @Test
    void nothingIsCleanedWhileLessThanTheDirtyRatioIsNew() throws Exception {
        PartitionLog log = log(LEADER);
        Map<Long, Written> written = new HashMap<>();
        appendRandom(log, new Random(3), 120, 10, T0, written, new HashMap<>());
        assertThat(clean(log, written, T0 + 1000).cleaned()).isTrue();
        assertThat(clean(log, written, T0 + 2000).cleaned()).as("nothing new since").isFalse();
        log.updateConfig(LogConfig.defaults().withSegmentBytes(2048));
        appendRandom(log, new Random(4), 120, 10, T0 + 3000, written, new HashMap<>());
        assertThat(clean(log, written, T0 + 4000).cleaned()).as("not a compacted topic any more").isFalse();
    }
}
