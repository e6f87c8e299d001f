package io.tributary.broker.log;

import io.tributary.proto.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.readAll;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node holds at most its bound of segment files open, whatever the number of partitions and
 * segments, and a segment whose file the bound closed reads, appends and is fetched as before.
 */
class SegmentFilesTest {
    private static final int BOUND = 5;
    private static final LogConfig SMALL_SEGMENTS = LogConfig.defaults().withSegmentBytes(300);

    @TempDir
    Path dir;

    /** Descriptors this process holds on segment files under the test's directory (not RocksDB's own .log files). */
    private long openSegmentDescriptors() throws IOException {
        Path real = dir.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd);
                } catch (IOException gone) {
                    return Path.of("");
                }
            }).filter(target -> target.startsWith(real) && !target.startsWith(real.resolve("index"))
                    && target.toString().endsWith(Segment.SUFFIX)).count();
        }
    }

    @Test
    void manyPartitionsAndSegmentsHoldNoMoreThanTheBoundOfOpenFiles() throws IOException {
        List<PartitionLog> logs = new ArrayList<>();
        try (LogManager manager = LogManager.open(dir, LogManager.Checkpoints.DEFAULT, BOUND)) {
            for (int p = 0; p < 20; p++) {
                logs.add(manager.getOrCreate(new TopicPartition("wide", p), "id-1", SMALL_SEGMENTS));
            }
            for (int round = 0; round < 6; round++) { // several segments per partition
                for (int p = 0; p < logs.size(); p++) {
                    logs.get(p).append(batch(2, 1000 + round, "p" + p + "r" + round), 1);
                }
            }
            try (Stream<Path> files = Files.walk(dir)) {
                assertThat(files.filter(f -> f.toString().endsWith(Segment.SUFFIX)).count()).isGreaterThan(2L * logs.size());
            }
            for (PartitionLog log : logs) {
                assertThat(values(readAll(log, 0))).hasSize(12); // reopens what the bound closed
            }
            manager.checkpoint(); // fsyncs every segment, through new descriptors where needed
            assertThat(manager.openSegmentFiles()).isLessThanOrEqualTo(BOUND);
            assertThat(openSegmentDescriptors()).isLessThanOrEqualTo(BOUND);

            PartitionLog first = logs.get(0); // its files were closed long ago
            LogSlice slice = first.readSlice(0, 100_000, first.logEndOffset());
            for (PartitionLog other : logs.subList(1, logs.size())) {
                readAll(other, 0); // evicts the first log's file again
            }
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            slice.writeTo(sent, new byte[64]);
            assertThat(sent.size()).isEqualTo(slice.sizeInBytes());
            assertThat(first.append(batch(1, 2000, "after"), 1).firstOffset()).isEqualTo(12);
        }
        try (LogManager reopened = LogManager.open(dir, LogManager.Checkpoints.DEFAULT, BOUND)) {
            PartitionLog first = reopened.get(new TopicPartition("wide", 0)).orElseThrow();
            assertThat(values(readAll(first, 0))).hasSize(13).endsWith("after-0");
            assertThat(openSegmentDescriptors()).isLessThanOrEqualTo(BOUND);
        }
    }
}
