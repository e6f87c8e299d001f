package io.tributary.chaos.workload;

import io.tributary.chaos.checker.ReplicaDump;
import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatches;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads what a stopped node holds for a partition straight from its segment files (the on-disk
 * format is RecordBatch v2 back to back, see docs/on-disk-format.md), without the broker's code:
 * a second opinion on what the node stored. A batch that fails its CRC but whose framing holds is
 * recorded as {@value #CORRUPT} at each of its offsets (the checker then names them), and reading
 * goes on; a batch whose framing is broken ends the segment (a torn tail).
 */
public final class ReplicaDumper {
    /** The value recorded at the offsets of a batch that fails its CRC. */
    public static final String CORRUPT = "<corrupt batch>";

    private ReplicaDumper() {
    }

    public static ReplicaDump dump(Path dataDir, int node, String topic, int partition, boolean inIsr,
                                   long highWatermark) throws IOException {
        NavigableMap<Long, String> records = new TreeMap<>();
        Path dir = dataDir.resolve("logs").resolve(topic + "-" + partition);
        if (Files.isDirectory(dir)) {
            List<Path> segments;
            try (Stream<Path> files = Files.list(dir)) {
                segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
            }
            for (Path segment : segments) {
                readSegment(segment, records);
            }
        }
        return new ReplicaDump(node, partition, inIsr, highWatermark, records);
    }

    private static void readSegment(Path segment, NavigableMap<Long, String> records) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        try {
            for (RecordBatch batch : RecordBatches.of(bytes)) {
                if (!batch.isValid()) {
                    for (long offset = batch.baseOffset(); offset <= batch.lastOffset() && offset >= 0
                            && batch.lastOffset() - batch.baseOffset() < 100_000; offset++) {
                        records.put(offset, CORRUPT);
                    }
                    continue;
                }
                for (Record record : batch.records()) {
                    records.put(record.offset(), record.value() == null ? "" : new String(record.value(),
                            StandardCharsets.UTF_8));
                }
            }
        } catch (RuntimeException torn) {
            // a torn or corrupt tail: what came before it is the replica's content
        }
    }
}
