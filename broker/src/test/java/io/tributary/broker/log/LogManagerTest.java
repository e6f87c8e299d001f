package io.tributary.broker.log;

import io.tributary.proto.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.tributary.broker.log.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class LogManagerTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dir;

    @Test
    void concurrentAppendsShareFsyncs() throws Exception {
        int threads = 8;
        int appendsPerThread = 25;
        CountDownLatch appended = new CountDownLatch(threads * appendsPerThread);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        // The first flush waits until every append is in, so the group commit is deterministic.
        try (LogManager manager = LogManager.open(dir, log -> {
            if (first.getAndSet(false)) {
                awaitQuietly(release);
            }
        })) {
            PartitionLog log = manager.getOrCreate(TP, "id", LogConfig.defaults());
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Thread worker = new Thread(() -> {
                    for (int i = 0; i < appendsPerThread; i++) {
                        AppendInfo info = log.append(batch(2, i, "t" + thread + "-" + i), 0);
                        CompletableFuture<Void> ack = manager.awaitDurable(log, info.endOffset());
                        synchronized (acks) {
                            acks.add(ack);
                        }
                        appended.countDown();
                    }
                });
                workers.add(worker);
                worker.start();
            }
            assertThat(appended.await(20, TimeUnit.SECONDS)).isTrue();
            release.countDown();
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            for (Thread worker : workers) {
                worker.join();
            }
            assertThat(log.logEndOffset()).isEqualTo(2L * threads * appendsPerThread);
            assertThat(log.durableEndOffset()).isEqualTo(log.logEndOffset());
            assertThat(manager.fsyncCount()).isGreaterThan(0).isLessThan(threads * appendsPerThread).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void producersWaitingForEachAckAllComplete() throws Exception {
        int threads = 4;
        int appendsPerThread = 40;
        try (LogManager manager = LogManager.open(dir)) {
            PartitionLog a = manager.getOrCreate(TP, "id", LogConfig.defaults());
            PartitionLog b = manager.getOrCreate(new TopicPartition("t", 1), "id", LogConfig.defaults());
            List<Thread> workers = new ArrayList<>();
            List<Throwable> errors = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                PartitionLog log = t % 2 == 0 ? a : b;
                Thread worker = new Thread(() -> {
                    try {
                        for (int i = 0; i < appendsPerThread; i++) {
                            AppendInfo info = log.append(batch(1, i, "v"), 0);
                            manager.awaitDurable(log, info.endOffset()).get(20, TimeUnit.SECONDS);
                            assertThat(log.durableEndOffset()).isGreaterThanOrEqualTo(info.endOffset());
                        }
                    } catch (Throwable e) {
                        synchronized (errors) {
                            errors.add(e);
                        }
                    }
                });
                workers.add(worker);
                worker.start();
            }
            for (Thread worker : workers) {
                worker.join();
            }
            assertThat(errors).isEmpty();
            for (PartitionLog log : List.of(a, b)) {
                assertThat(log.logEndOffset()).isEqualTo(2L * appendsPerThread);
                assertThat(log.durableEndOffset()).isEqualTo(log.logEndOffset());
            }
            assertThat(manager.fsyncCount()).isLessThanOrEqualTo(threads * appendsPerThread);
        }
    }

    @Test
    void intervalLogsAreFlushedByTheFlusher() {
        try (LogManager manager = LogManager.open(dir)) {
            PartitionLog log = manager.getOrCreate(TP, "id", LogConfig.defaults().withFlushPolicy(FlushPolicy.INTERVAL, 20));
            log.append(batch(3, 0, "v"), 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> log.durableEndOffset() == 3);
            assertThat(manager.fsyncCount()).isPositive();
        }
    }

    @Test
    void awaitDurableFailsWhenTheLogIsTruncatedOrDeleted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (LogManager manager = LogManager.open(dir, log -> awaitQuietly(release))) {
            PartitionLog log = manager.getOrCreate(TP, "id", LogConfig.defaults());
            log.append(batch(2, 0, "a"), 0);
            CompletableFuture<Void> kept = manager.awaitDurable(log, 2);
            AppendInfo cut = log.append(batch(2, 0, "b"), 0);
            CompletableFuture<Void> truncated = manager.awaitDurable(log, cut.endOffset());
            log.truncateTo(2);
            assertThatThrownBy(() -> truncated.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(LogStorageException.class).hasMessageContaining("truncated");
            assertThat(kept).isCompleted(); // the truncation fsynced everything below 2 and the flusher is parked
            AppendInfo more = log.append(batch(1, 0, "c"), 0);
            CompletableFuture<Void> deleted = manager.awaitDurable(log, more.endOffset());
            manager.delete(TP);
            release.countDown();
            assertThatThrownBy(() -> deleted.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(LogStorageException.class);
        }
    }

    @Test
    void recreatedTopicReplacesTheOldLogAndDeleteRemovesEverything() {
        Path partitionDir = dir.resolve("t-0");
        try (LogManager manager = LogManager.open(dir)) {
            PartitionLog old = manager.getOrCreate(TP, "old-id", LogConfig.defaults());
            old.append(batch(5, 0, "old"), 0);
            assertThat(manager.getOrCreate(TP, "old-id", LogConfig.defaults().withSegmentBytes(1000))).isSameAs(old);
            assertThat(old.config().segmentBytes()).isEqualTo(1000);

            PartitionLog fresh = manager.getOrCreate(TP, "new-id", LogConfig.defaults());
            assertThat(fresh).isNotSameAs(old);
            assertThat(fresh.logEndOffset()).isZero();
            assertThat(fresh.offsetForTimestamp(0)).as("old index entries are gone").isEqualTo(-1);
            assertThatThrownBy(() -> old.read(0, 100, 5)).isInstanceOf(LogStorageException.class).hasMessageContaining("closed");
            fresh.append(batch(1, 0, "new"), 0);
            assertThat(PartitionMetadata.read(partitionDir).topicId()).isEqualTo("new-id");

            manager.delete(TP);
            assertThat(manager.get(TP)).isEmpty();
            assertThat(partitionDir).doesNotExist();
        }
        try (LogManager manager = LogManager.open(dir)) {
            assertThat(manager.logs()).isEmpty();
            PartitionLog again = manager.getOrCreate(TP, "third-id", LogConfig.defaults());
            assertThat(again.logEndOffset()).isZero();
            assertThat(again.offsetForTimestamp(0)).isEqualTo(-1);
        }
    }

    @Test
    void openFinishesInterruptedDeletesAndCreates() throws Exception {
        Files.createDirectories(dir.resolve("t-0.abc123-delete"));
        Files.writeString(dir.resolve("t-0.abc123-delete").resolve(Segment.fileName(0)), "junk");
        Files.createDirectories(dir.resolve("t-1")); // created, metadata never written
        try (LogManager manager = LogManager.open(dir)) {
            assertThat(manager.logs()).isEmpty();
            assertThat(dir.resolve("t-0.abc123-delete")).doesNotExist();
            assertThat(dir.resolve("t-1")).doesNotExist();
            assertThatThrownBy(() -> LogManager.open(dir)).isInstanceOf(LogStorageException.class)
                    .hasMessageContaining("already open");
        }
    }

    @Test
    void closedManagerRejectsWork() {
        LogManager manager = LogManager.open(dir);
        PartitionLog log = manager.getOrCreate(TP, "id", LogConfig.defaults());
        AppendInfo info = log.append(batch(1, 0, "v"), 0);
        manager.close();
        assertThat(log.durableEndOffset()).isEqualTo(info.endOffset());
        assertThatThrownBy(() -> log.append(batch(1, 0, "v"), 0)).isInstanceOf(LogStorageException.class);
        assertThatThrownBy(() -> manager.getOrCreate(TP, "id", LogConfig.defaults())).isInstanceOf(LogStorageException.class);
        assertThat(manager.awaitDurable(log, 5)).isCompletedExceptionally();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Issue 9, hole 5: a disk failure is the node's to act on (it stops leading), not a partition left dead. */
    @Test
    void aFailedWriteIsReportedAsTheNodesStorageFailure() throws Exception {
        LogManager manager = LogManager.open(dir);
        try {
            PartitionLog log = manager.getOrCreate(TP, "id", LogConfig.defaults());
            log.append(batch(2, 0, "before"), 0);
            assertThat(manager.storageFailure()).isNotDone();
            log.activeSegment().close(); // the file goes away under the log, as a failing disk does

            assertThatThrownBy(() -> log.append(batch(2, 1, "after"), 0)).isInstanceOf(LogStorageException.class);
            assertThat(manager.storageFailure()).isCompleted();
            assertThat(manager.storageFailure().get()).contains(TP.toString());
        } finally {
            try {
                manager.close();
            } catch (LogStorageException expected) {
                // the failed segment cannot be flushed on close either
            }
        }
    }
}
