package io.tributary.broker.log;

import io.tributary.proto.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.readAll;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node with 10,000 partitions restarts with every log, after a clean stop and after a crash. The
 * time each open takes is printed (the closing figures come from a real node: docs/operations.md).
 */
class ManyPartitionsRestartTest {
    private static final int PARTITIONS = 10_000;

    @TempDir
    Path dir;

    @Test
    void tenThousandPartitionsComeBackAfterACleanStopAndAfterACrash() throws Exception {
        try (LogManager manager = LogManager.open(dir)) {
            for (int p = 0; p < PARTITIONS; p++) {
                PartitionLog log = manager.getOrCreate(new TopicPartition("many", p), "id-1", LogConfig.defaults());
                if (p % 100 == 0) {
                    log.append(batch(1, 1000, "p" + p), 1);
                    manager.awaitDurable(log, 1).get(10, TimeUnit.SECONDS);
                }
            }
        }
        long startNanos = System.nanoTime();
        LogManager reopened = LogManager.open(dir);
        System.out.printf("opening %d partition logs after a clean stop took %d ms%n", PARTITIONS,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        assertThat(reopened.logs()).hasSize(PARTITIONS);
        for (int p = 0; p < PARTITIONS; p += 100) {
            PartitionLog log = reopened.get(new TopicPartition("many", p)).orElseThrow();
            assertThat(values(readAll(log, 0))).containsExactly("p" + p + "-0");
            log.append(batch(1, 2000, "again" + p), 1);
            reopened.awaitDurable(log, 2).get(10, TimeUnit.SECONDS);
        }
        reopened.haltWithoutFlushing(); // acknowledged appends are in the journal, not yet in fsynced segments

        startNanos = System.nanoTime();
        try (LogManager afterCrash = LogManager.open(dir)) {
            System.out.printf("opening %d partition logs after a crash took %d ms%n", PARTITIONS,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
            assertThat(afterCrash.logs()).hasSize(PARTITIONS);
            for (int p = 0; p < PARTITIONS; p += 100) {
                PartitionLog log = afterCrash.get(new TopicPartition("many", p)).orElseThrow();
                assertThat(values(readAll(log, 0))).containsExactly("p" + p + "-0", "again" + p + "-0");
            }
            assertThat(afterCrash.get(new TopicPartition("many", 1)).orElseThrow().logEndOffset()).isZero();
        }
    }
}
