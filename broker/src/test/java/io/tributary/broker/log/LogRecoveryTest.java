package io.tributary.broker.log;

import io.tributary.proto.TopicPartition;
import io.tributary.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.batches;
import static io.tributary.broker.log.TestBatches.bytes;
import static io.tributary.broker.log.TestBatches.readAll;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;

/** Crash recovery: torn and corrupt tails, lost or stale index, restart. */
class LogRecoveryTest {
    private static final TopicPartition TP = new TopicPartition("events", 0);
    private static final int N = 6;

    @TempDir
    Path dir;

    private Path segmentFile() {
        return dir.resolve("events-0").resolve(Segment.fileName(0));
    }

    /** Writes N one-record batches (offsets 0..N-1, ts 1000+i), closes; returns the batch sizes. */
    private int[] writeBatches() {
        int[] sizes = new int[N];
        try (LogManager manager = LogManager.open(dir)) {
            PartitionLog log = manager.getOrCreate(TP, "id-1", LogConfig.defaults());
            for (int i = 0; i < N; i++) {
                ByteBuffer b = batch(1, 1000 + i, "v" + i);
                sizes[i] = b.remaining();
                log.append(b, 1);
            }
        }
        return sizes;
    }

    /** Opens, checks the log holds exactly batches 0..count-1 with an agreeing index, appends one more. */
    private void assertRecoveredTo(int count, String context) {
        try (LogManager manager = LogManager.open(dir)) {
            PartitionLog log = manager.get(TP).orElseThrow();
            assertThat(log.logEndOffset()).as(context).isEqualTo(count);
            assertThat(log.durableEndOffset()).as(context).isEqualTo(count);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                expected.add("v" + i + "-0");
            }
            assertThat(values(readAll(log, 0))).as(context).isEqualTo(expected);
            int position = 0;
            long total = 0;
            long segment = 0;
            for (int i = 0; i < count; i++) {
                LogIndex.Location location = log.locate(i);
                if (location.segmentBaseOffset() != segment) {
                    assertThat(location.segmentBaseOffset()).as(context).isEqualTo(i);
                    segment = i;
                    position = 0;
                }
                assertThat(location.baseOffset()).as(context).isEqualTo(i);
                assertThat(location.position()).as(context).isEqualTo(position);
                position += location.size();
                total += location.size();
            }
            assertThat(total).as(context).isEqualTo(log.sizeInBytes());
            assertThat(log.locate(Long.MAX_VALUE).baseOffset()).as(context + ": no index entry past the end").isEqualTo(count - 1);
            assertThat(log.offsetForTimestamp(1000 + count)).as(context).isEqualTo(-1);
            assertThat(log.offsetForTimestamp(1000 + count - 1)).as(context).isEqualTo(count - 1);
            AppendInfo next = log.append(batch(2, 5000, "after"), 1);
            assertThat(next.firstOffset()).as(context + ": offsets continue, never reused").isEqualTo(count);
            assertThat(batches(log.read(count, 100, Long.MAX_VALUE)).get(0).baseOffset()).isEqualTo(count);
        }
    }

    @Test
    void tornLastBatchAtEveryByteIsDropped() throws IOException {
        int[] sizes = writeBatches();
        byte[] original = Files.readAllBytes(segmentFile());
        int lastStart = original.length - sizes[N - 1];
        for (int cut = lastStart; cut < original.length; cut++) {
            Files.write(segmentFile(), Arrays.copyOf(original, cut));
            assertRecoveredTo(N - 1, "cut at byte " + cut);
        }
    }

    @Test
    void corruptByteInLastBatchDropsIt() throws IOException {
        int[] sizes = writeBatches();
        byte[] original = Files.readAllBytes(segmentFile());
        int lastStart = original.length - sizes[N - 1];
        // bytes 12-15 (leader epoch) are outside the CRC by design, like the base offset; a flipped base
        // offset is caught by the dense-offset check
        int[] inBatch = {0, 7, 8, 11, 16, 17, 20, 21, 25, 40, 60, sizes[N - 1] - 1};
        for (int at : inBatch) {
            byte[] corrupt = original.clone();
            corrupt[lastStart + at] ^= 0x04;
            Files.write(segmentFile(), corrupt);
            assertRecoveredTo(N - 1, "flipped byte " + at + " of the last batch");
            assertThat(Files.size(segmentFile())).isGreaterThanOrEqualTo(lastStart);
        }
    }

    @Test
    void corruptionMidLogDropsEverythingAfterItIncludingLaterSegments() throws IOException {
        int size = batch(1, 0, "v0").remaining();
        try (LogManager manager = LogManager.open(dir)) {
            PartitionLog log = manager.getOrCreate(TP, "id-1", LogConfig.defaults().withSegmentBytes(3L * size));
            for (int i = 0; i < 9; i++) {
                log.append(batch(1, 1000 + i, "v" + i), 1);
            }
            assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L, 6L);
        }
        // Pretend only offsets 0-1 were fsynced: recovery then validates everything after them.
        long key = PartitionMetadata.read(dir.resolve("events-0")).indexKey();
        try (LogIndex index = LogIndex.open(dir.resolve(LogManager.INDEX_DIR))) {
            index.putRecoveryPoint(key, 2);
        }
        Path second = dir.resolve("events-0").resolve(Segment.fileName(3));
        byte[] bytes = Files.readAllBytes(second);
        bytes[size + 30] ^= 1; // batch 4
        Files.write(second, bytes);
        assertRecoveredTo(4, "corrupt batch 4");
        assertThat(dir.resolve("events-0").resolve(Segment.fileName(6))).doesNotExist();
    }

    @Test
    void lostIndexIsRebuilt() throws IOException {
        writeBatches();
        LogManager.deleteRecursively(dir.resolve(LogManager.INDEX_DIR));
        assertRecoveredTo(N, "index directory deleted");
    }

    @Test
    void corruptIndexIsRebuilt() throws IOException {
        writeBatches();
        try (var files = Files.list(dir.resolve(LogManager.INDEX_DIR))) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith("MANIFEST") || name.endsWith(".sst") || name.endsWith(".log")) {
                    byte[] garbage = new byte[(int) Math.max(64, Files.size(f))];
                    Arrays.fill(garbage, (byte) 0x5A);
                    Files.write(f, garbage);
                }
            }
        }
        assertRecoveredTo(N, "index files overwritten");
    }

    @Test
    void removedIndexEntriesAreAddedBack() {
        writeBatches();
        try (LogManager manager = LogManager.open(dir)) {
            PartitionLog log = manager.get(TP).orElseThrow();
            manager.index().truncateFrom(log.partitionKey(), 2);
        }
        assertRecoveredTo(N, "index entries 2.. removed");
    }

    @Test
    void indexAheadOfTheFileIsCutBack() throws IOException {
        int[] sizes = writeBatches();
        byte[] original = Files.readAllBytes(segmentFile());
        int keep = original.length - sizes[N - 1] - sizes[N - 2];
        Files.write(segmentFile(), Arrays.copyOf(original, keep)); // as if the last two batches never reached disk
        assertRecoveredTo(N - 2, "index ahead by two batches");
    }

    @Test
    void indexPointingAtOtherBytesIsNotTrusted() throws IOException {
        int[] sizes = writeBatches();
        byte[] original = Files.readAllBytes(segmentFile());
        int lastStart = original.length - sizes[N - 1];
        // The file's last batch is replaced by a valid batch with a stale base offset (e.g. data from before a truncation).
        ByteBuffer stale = batch(1, 1000 + N - 1, "v" + (N - 1));
        RecordBatch.wrap(stale).setBaseOffset(2);
        byte[] replaced = Arrays.copyOf(original, lastStart + stale.remaining());
        System.arraycopy(bytes(stale), 0, replaced, lastStart, stale.remaining());
        Files.write(segmentFile(), replaced);
        assertRecoveredTo(N - 1, "stale batch behind a matching index entry");
    }

    @Test
    void restartKeepsEverythingAndAppendsContinue() {
        int size = batch(2, 0, "r0").remaining();
        LogConfig small = LogConfig.defaults().withSegmentBytes(4L * size);
        List<String> expected = new ArrayList<>();
        List<Long> segments;
        try (LogManager manager = LogManager.open(dir)) {
            PartitionLog log = manager.getOrCreate(TP, "id-1", small);
            PartitionLog other = manager.getOrCreate(new TopicPartition("other", 1), "id-2", LogConfig.defaults());
            for (int i = 0; i < 20; i++) {
                log.append(batch(2, 10 * i, "r" + i), 3);
                expected.add("r" + i + "-0");
                expected.add("r" + i + "-1");
            }
            other.append(batch(1, 0, "o"), 0);
            segments = log.segmentBaseOffsets();
            assertThat(segments).hasSizeGreaterThan(3);
        }
        for (int round = 0; round < 2; round++) {
            try (LogManager manager = LogManager.open(dir)) {
                assertThat(manager.logs()).hasSize(2);
                PartitionLog log = manager.getOrCreate(TP, "id-1", small);
                assertThat(log.config()).isEqualTo(small);
                assertThat(log.segmentBaseOffsets()).startsWith(segments.toArray(Long[]::new));
                assertThat(values(readAll(log, 0))).isEqualTo(expected);
                assertThat(log.offsetForTimestamp(55)).isEqualTo(12);
                assertThat(values(manager.get(new TopicPartition("other", 1)).orElseThrow().read(0, 100, 1))).containsExactly("o-0");
                AppendInfo info = log.append(batch(4, 10_000, "n" + round), 3);
                assertThat(info.firstOffset()).isEqualTo(expected.size());
                for (int r = 0; r < 4; r++) {
                    expected.add("n" + round + "-" + r);
                }
            }
        }
    }
}
