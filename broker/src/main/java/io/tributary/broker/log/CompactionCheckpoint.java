package io.tributary.broker.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * How far a partition's log is compacted, kept in a small file beside its segments (as Kafka keeps
 * its cleaner-offset-checkpoint) so that it survives the loss of the RocksDB index.
 *
 * @param compactedBelow batches based at or below it may follow a gap (compaction removed the
 *                       batches between; recovery accepts such gaps there and nowhere else), and the
 *                       cleaner treats the log below it as clean; 0 for a log never compacted
 * @param oldestTombstoneMs the timestamp of the oldest tombstone the last cleaning kept, so the cleaner
 *                          knows when one expires; {@link Long#MAX_VALUE} when it kept none
 */
record CompactionCheckpoint(long compactedBelow, long oldestTombstoneMs) {
    static final String FILE_NAME = "compaction-checkpoint";
    static final CompactionCheckpoint NONE = new CompactionCheckpoint(0L, Long.MAX_VALUE);

    /** The checkpoint of the partition directory {@code dir}, or {@link #NONE} when it has none. */
    static CompactionCheckpoint read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        try {
            String[] fields = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
            return new CompactionCheckpoint(Long.parseLong(fields[0]), Long.parseLong(fields[1]));
        } catch (NoSuchFileException e) {
            return NONE;
        } catch (IOException | RuntimeException e) {
            throw new LogStorageException("cannot read the compaction checkpoint " + file, e);
        }
    }

    /** Replaces the checkpoint file atomically and durably. */
    void write(Path dir) {
        DurableFiles.replace(dir, FILE_NAME, (compactedBelow + " " + oldestTombstoneMs + "\n")
                .getBytes(StandardCharsets.US_ASCII));
    }

    /** Whether a batch or segment based at {@code baseOffset} may follow a gap compaction left. */
    boolean allowsGapBefore(long baseOffset) {
        return baseOffset <= compactedBelow;
    }

    CompactionCheckpoint withCompactedBelow(long offset) {
        return new CompactionCheckpoint(Math.max(compactedBelow, offset), oldestTombstoneMs);
    }
}
