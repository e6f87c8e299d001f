package io.tributary.broker.log;

import io.tributary.proto.TopicPartition;
import io.tributary.record.RecordBatchBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.readAll;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Acknowledged appends survive a power loss that takes every segment byte written since the last
 * checkpoint: the journal gives them back at open, and what truncations removed stays removed.
 * A power loss is simulated by halting the manager without any flush and cutting each segment file
 * back to the length it had when it was last fsynced.
 */
class JournalRecoveryTest {
    private static final TopicPartition A = new TopicPartition("events", 0);
    private static final TopicPartition B = new TopicPartition("events", 1);
    private static final LogConfig SMALL_SEGMENTS = LogConfig.defaults().withSegmentBytes(300);

    @TempDir
    Path dir;

    private static void appendDurably(LogManager manager, PartitionLog log, int count, String tag) throws Exception {
        for (int i = 0; i < count; i++) {
            log.append(batch(1, 1000 + i, tag + i), 1);
        }
        manager.awaitDurable(log, log.logEndOffset()).get(10, TimeUnit.SECONDS);
    }

    private static List<String> expected(String tag, int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(tag + i + "-0");
        }
        return out;
    }

    /** The length of every segment file now: what a power loss from here on leaves at most. */
    private Map<Path, Long> segmentLengths() throws IOException {
        Map<Path, Long> lengths = new HashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(Segment.SUFFIX)).toList()) {
                lengths.put(file, Files.size(file));
            }
        }
        return lengths;
    }

    /** Every segment file loses what was written after {@code flushed} was taken; newer files lose everything. */
    private void loseUnflushedBytes(Map<Path, Long> flushed) throws IOException {
        for (Path file : segmentLengths().keySet()) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(flushed.getOrDefault(file, 0L));
            }
        }
    }

    private List<String> journalFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(Journal.DIR_NAME))) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void acknowledgedAppendsComeBackWhenTheSegmentsLoseEverythingSinceTheCheckpoint() throws Exception {
        LogManager manager = LogManager.open(dir);
        PartitionLog a = manager.getOrCreate(A, "id-1", SMALL_SEGMENTS);
        PartitionLog b = manager.getOrCreate(B, "id-1", SMALL_SEGMENTS);
        appendDurably(manager, a, 5, "a");
        appendDurably(manager, b, 3, "b");
        manager.checkpoint();
        assertThat(a.flushedEndOffset()).isEqualTo(5);
        Map<Path, Long> flushed = segmentLengths();
        for (int round = 0; round < 4; round++) { // interleaved, rolling segments on the way
            appendDurably(manager, a, 4, "a" + round + "-");
            appendDurably(manager, b, 2, "b" + round + "-");
        }
        List<String> aValues = values(readAll(a, 0));
        List<String> bValues = values(readAll(b, 0));
        manager.haltWithoutFlushing();
        loseUnflushedBytes(flushed);

        try (LogManager reopened = LogManager.open(dir)) {
            PartitionLog a2 = reopened.get(A).orElseThrow();
            PartitionLog b2 = reopened.get(B).orElseThrow();
            assertThat(a2.logEndOffset()).isEqualTo(21);
            assertThat(b2.logEndOffset()).isEqualTo(11);
            assertThat(values(readAll(a2, 0))).isEqualTo(aValues);
            assertThat(values(readAll(b2, 0))).isEqualTo(bValues);
            assertThat(a2.durableEndOffset()).isEqualTo(21);
            assertThat(a2.flushedEndOffset()).as("replayed data is fsynced before the journal goes").isEqualTo(21);
            assertThat(journalFiles()).as("only the new, empty file").hasSize(1);
            assertThat(a2.append(batch(1, 9000, "next"), 2).firstOffset()).isEqualTo(21);
        }
    }

    @Test
    void segmentsDamagedBelowTheCheckpointStayShortRatherThanGetAHoleFromTheJournal() throws Exception {
        LogManager manager = LogManager.open(dir);
        PartitionLog log = manager.getOrCreate(A, "id-1", LogConfig.defaults());
        appendDurably(manager, log, 3, "kept");
        Map<Path, Long> damagedTo = segmentLengths();
        appendDurably(manager, log, 2, "checkpointed");
        manager.checkpoint(); // the journal no longer holds offsets 0-4
        appendDurably(manager, log, 4, "journaled");
        manager.haltWithoutFlushing();
        loseUnflushedBytes(damagedTo); // a damaged disk: offsets 3-4 are gone from the segment too

        try (LogManager reopened = LogManager.open(dir)) {
            PartitionLog recovered = reopened.get(A).orElseThrow();
            assertThat(recovered.logEndOffset()).as("offsets 5-8 would follow a hole at 3-4").isEqualTo(3);
            assertThat(values(readAll(recovered, 0))).isEqualTo(expected("kept", 0, 3));
            assertThat(recovered.append(batch(1, 9000, "next"), 2).firstOffset()).isEqualTo(3);
        }
    }

    @Test
    void aReplayedTruncationRemovesWhatTheJournalAppendedBeforeIt() throws Exception {
        LogManager manager = LogManager.open(dir);
        PartitionLog log = manager.getOrCreate(A, "id-1", LogConfig.defaults());
        appendDurably(manager, log, 10, "old");
        log.truncateTo(5); // a follower finding its leader diverged at offset 5
        Map<Path, Long> flushed = segmentLengths(); // the truncation fsyncs what it keeps
        appendDurably(manager, log, 5, "new");
        manager.haltWithoutFlushing();
        loseUnflushedBytes(flushed);

        try (LogManager reopened = LogManager.open(dir)) {
            PartitionLog recovered = reopened.get(A).orElseThrow();
            List<String> want = new ArrayList<>(expected("old", 0, 5));
            want.addAll(expected("new", 0, 5));
            assertThat(values(readAll(recovered, 0))).as("old 5-9 were cut and must not come back").isEqualTo(want);
        }
    }

    @Test
    void aReplacedLogIsReplacedAgainAtReplayAndKeepsWhatFollowed() throws Exception {
        LogManager manager = LogManager.open(dir);
        PartitionLog log = manager.getOrCreate(A, "id-1", LogConfig.defaults());
        appendDurably(manager, log, 4, "old");
        log.truncateFullyAndStartAt(20); // a follower behind its leader's log start
        RecordBatchBuilder fetched = new RecordBatchBuilder(20, -1, (short) -1, -1, 3, 128);
        for (int i = 0; i < 3; i++) {
            fetched.append(2000 + i, null, ("fetched" + i).getBytes(StandardCharsets.UTF_8));
        }
        log.appendAsFollower(fetched.build());
        manager.awaitDurable(log, 23).get(10, TimeUnit.SECONDS);
        Map<Path, Long> flushed = segmentLengths();
        manager.haltWithoutFlushing();
        loseUnflushedBytes(flushed);

        try (LogManager reopened = LogManager.open(dir)) {
            PartitionLog recovered = reopened.get(A).orElseThrow();
            assertThat(recovered.logStartOffset()).isEqualTo(20);
            assertThat(recovered.logEndOffset()).isEqualTo(23);
            assertThat(values(readAll(recovered, 20))).containsExactly("fetched0", "fetched1", "fetched2");
        }
    }

    @Test
    void aCheckpointFsyncsTheSegmentsAndDeletesTheJournalFilesTheyMakeRedundant() throws Exception {
        try (LogManager manager = LogManager.open(dir)) {
            PartitionLog log = manager.getOrCreate(A, "id-1", SMALL_SEGMENTS);
            appendDurably(manager, log, 12, "v");
            assertThat(log.flushedEndOffset()).isZero();
            List<String> before = journalFiles();
            manager.checkpoint();
            assertThat(log.flushedEndOffset()).isEqualTo(12);
            assertThat(manager.index().recoveryPoint(log.partitionKey())).isEqualTo(12);
            List<String> after = journalFiles();
            assertThat(after).hasSize(1).doesNotContainAnyElementsOf(before);
            assertThat(Files.size(dir.resolve(Journal.DIR_NAME).resolve(after.get(0)))).isZero();
        }
    }

    @Test
    void theCheckpointerRunsOnceTheJournalHoldsItsBytes() throws Exception {
        try (LogManager manager = LogManager.open(dir, new LogManager.Checkpoints(2048, 3_600_000))) {
            PartitionLog log = manager.getOrCreate(A, "id-1", LogConfig.defaults());
            List<String> first = journalFiles();
            appendDurably(manager, log, 40, "v"); // well over 2 KiB of entries
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (journalFiles().equals(first) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(journalFiles()).isNotEqualTo(first);
        }
    }

    @Test
    void oneJournalFsyncMakesARoundOfManyPartitionsDurable() throws Exception {
        CountDownLatch registered = new CountDownLatch(1);
        try (LogManager manager = LogManager.open(dir, log -> awaitQuietly(registered))) {
            List<PartitionLog> logs = new ArrayList<>();
            for (int p = 0; p < 50; p++) {
                logs.add(manager.getOrCreate(new TopicPartition("many", p), "id-2", LogConfig.defaults()));
            }
            long fsyncsBefore = manager.fsyncCount();
            List<CompletableFuture<Void>> durable = new ArrayList<>();
            for (PartitionLog log : logs) {
                log.append(batch(1, 1000, "x"), 1);
                durable.add(manager.awaitDurable(log, 1));
            }
            registered.countDown();
            CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            assertThat(manager.fsyncCount() - fsyncsBefore).as("the flusher's first round may hold only the first log")
                    .isLessThanOrEqualTo(2);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
