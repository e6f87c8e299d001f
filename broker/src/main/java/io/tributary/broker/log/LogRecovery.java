package io.tributary.broker.log;

import io.tributary.broker.log.BatchScan.BatchEntry;
import io.tributary.broker.log.BatchScan.Prefix;
import io.tributary.broker.log.LogIndex.Location;
import io.tributary.broker.log.LogIndex.TimestampEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Brings one partition directory and its index entries back to a consistent state on open.
 *
 * <ol>
 *   <li>Segments wholly below the recorded log start offset are deleted (a retention or DeleteRecords
 *       deletion a crash interrupted).</li>
 *   <li>Anchor: the last index entry at or below the recovery point (the offset below which the log
 *       was last fsynced; the last entry when none is recorded) whose batch is still intact in its
 *       segment. Entries that point past the file end or at bytes that are not that batch (the index
 *       ran ahead of the file) are skipped backwards. No anchor: scan from the first segment.</li>
 *   <li>Scan forward from the anchor through every later segment, validating each batch (framing,
 *       magic, CRC, record framing, dense offsets from the segment's base offset).</li>
 *   <li>At the first torn or corrupt batch, truncate that segment and delete every later one.</li>
 *   <li>Delete index entries after the anchor, add entries for every scanned batch, fsync the
 *       scanned segments (recovered data counts as durable) and record the new recovery point.</li>
 *   <li>A log that ends below its recorded start (a crash while a follower replaced its log) restarts
 *       empty there; index entries below the start are removed.</li>
 * </ol>
 *
 * <p>Compaction first: a {@code .log.cleaned} file (a cleaning a crash interrupted) is deleted; a
 * {@code .log.swap} file (a cleaned segment whose swap a crash interrupted) replaces its segment,
 * and the scan starts at that segment at the latest, so its index entries are written again. Below
 * the offset the compaction checkpoint records, batches may follow gaps.
 */
final class LogRecovery {
    private static final Logger log = LoggerFactory.getLogger(LogRecovery.class);
    private static final int SCAN_CHUNK_BYTES = 1 << 20;
    private static final int INDEX_BATCH_ENTRIES = 10_000;

    /** What recovery hands to the {@link PartitionLog}. */
    record State(NavigableMap<Long, Segment> segments, long logStartOffset, long logEndOffset, long maxTimestamp,
                 CompactionCheckpoint compaction) {
    }

    static final String CLEANED_SUFFIX = ".cleaned";
    static final String SWAP_SUFFIX = ".swap";

    private final Path dir;
    private final long partitionKey;
    private final LogIndex index;
    private final SegmentFiles segmentFiles;
    private final String name;
    private CompactionCheckpoint compaction = CompactionCheckpoint.NONE;

    private LogRecovery(Path dir, long partitionKey, LogIndex index, SegmentFiles files, String name) {
        this.dir = dir;
        this.partitionKey = partitionKey;
        this.index = index;
        this.segmentFiles = files;
        this.name = name;
    }

    static State recover(Path dir, long partitionKey, LogIndex index, SegmentFiles files, String name) {
        return new LogRecovery(dir, partitionKey, index, files, name).run();
    }

    private State run() {
        compaction = CompactionCheckpoint.read(dir);
        long firstSwapped = completeSwaps();
        NavigableMap<Long, Segment> segments = openSegments();
        try {
            long recordedStart = index.logStartOffset(partitionKey);
            if (segments.isEmpty()) {
                return startEmptyAt(segments, Math.max(recordedStart, 0));
            }
            deleteSegmentsBelow(segments, recordedStart);
            Location anchor = findAnchor(segments);
            Segment startSegment = anchor == null ? segments.firstEntry().getValue() : segments.get(anchor.segmentBaseOffset());
            int startPosition = anchor == null ? 0 : anchor.position() + anchor.size();
            long expected = anchor == null ? startSegment.baseOffset() : anchor.nextOffset();
            if (firstSwapped >= 0 && segments.containsKey(firstSwapped) && (anchor == null || anchor.baseOffset() >= firstSwapped)) {
                startSegment = segments.get(firstSwapped); // its index entries describe the file it replaced
                startPosition = 0;
                expected = firstSwapped;
            }
            index.truncateFrom(partitionKey, expected);
            TimestampEntry lastTs = index.lastTimestamp(partitionKey);
            long maxTimestamp = lastTs == null ? Long.MIN_VALUE : lastTs.maxTimestamp();
            ScanResult scan = scanFrom(segments, startSegment, startPosition, expected, maxTimestamp);
            long logStartOffset = Math.max(recordedStart, segments.firstKey());
            if (logStartOffset > scan.logEndOffset) {
                // A crash during a replica's truncateFullyAndStartAt: the old segments are all below the new start.
                log.info("{}: the log ends at {}, below its recorded start {}; it restarts empty there", name,
                        scan.logEndOffset, logStartOffset);
                for (Segment segment : segments.values()) {
                    segment.closeAndDelete();
                }
                segments.clear();
                Segment.fsyncDirectory(dir);
                return startEmptyAt(segments, logStartOffset);
            }
            Location kept = index.floor(partitionKey, logStartOffset);
            index.deleteBelow(partitionKey, kept == null ? logStartOffset : kept.baseOffset());
            index.putRecoveryPoint(partitionKey, scan.logEndOffset);
            return new State(segments, logStartOffset, scan.logEndOffset, scan.maxTimestamp, compaction);
        } catch (IOException e) {
            closeQuietly(segments);
            throw new LogStorageException("cannot recover " + name + " in " + dir, e);
        } catch (RuntimeException e) {
            closeQuietly(segments);
            throw e;
        }
    }

    private State startEmptyAt(NavigableMap<Long, Segment> segments, long offset) {
        index.truncateFrom(partitionKey, 0);
        segments.put(offset, Segment.create(segmentFiles, dir, offset));
        index.putRecoveryPoint(partitionKey, offset);
        return new State(segments, offset, offset, Long.MIN_VALUE, compaction);
    }

    /**
     * Deletes the segments that lie wholly below the recorded log start offset: retention or a
     * DeleteRecords recorded the new start, then crashed before every file was gone.
     */
    private void deleteSegmentsBelow(NavigableMap<Long, Segment> segments, long recordedStart) throws IOException {
        List<Segment> below = Segment.removeWhollyBelow(segments, recordedStart);
        for (Segment segment : below) {
            log.info("{}: deleting {}, below the log start offset {}", name, segment, recordedStart);
            segment.closeAndDelete();
        }
        if (!below.isEmpty()) {
            Segment.fsyncDirectory(dir);
        }
    }

    /**
     * Deletes interrupted cleanings and completes interrupted swaps; returns the lowest base offset of
     * a segment a swap replaced, or -1.
     */
    private long completeSwaps() {
        long firstSwapped = -1;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                if (fileName.endsWith(Segment.SUFFIX + CLEANED_SUFFIX)) {
                    log.info("{}: deleting {}, a cleaning that did not finish", name, file);
                    Files.delete(file);
                } else if (fileName.endsWith(Segment.SUFFIX + SWAP_SUFFIX)) {
                    String segmentName = fileName.substring(0, fileName.length() - SWAP_SUFFIX.length());
                    long base = Segment.parseBaseOffset(segmentName);
                    if (base < 0) {
                        continue;
                    }
                    log.info("{}: completing the swap of the cleaned {}", name, segmentName);
                    Files.move(file, dir.resolve(segmentName), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    firstSwapped = firstSwapped < 0 ? base : Math.min(firstSwapped, base);
                }
            }
            if (firstSwapped >= 0) {
                Segment.fsyncDirectory(dir);
            }
        } catch (IOException e) {
            throw new LogStorageException("cannot finish the compaction of " + name + " in " + dir, e);
        }
        return firstSwapped;
    }

    private NavigableMap<Long, Segment> openSegments() {
        NavigableMap<Long, Segment> segments = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                long base = Segment.parseBaseOffset(file.getFileName().toString());
                if (base >= 0 && Files.isRegularFile(file)) {
                    segments.put(base, Segment.open(segmentFiles, file, base));
                }
            }
        } catch (IOException e) {
            closeQuietly(segments);
            throw new LogStorageException("cannot list segments of " + name + " in " + dir, e);
        }
        return segments;
    }

    /** The last index entry at or below the recovery point whose batch is intact on disk, or null. */
    private Location findAnchor(NavigableMap<Long, Segment> segments) throws IOException {
        long recoveryPoint = index.recoveryPoint(partitionKey);
        long from = recoveryPoint < 0 ? Long.MAX_VALUE : recoveryPoint - 1;
        Location candidate = index.floor(partitionKey, from);
        int skipped = 0;
        while (candidate != null && !isIntact(candidate, segments)) {
            skipped++;
            candidate = index.floor(partitionKey, candidate.baseOffset() - 1);
        }
        if (skipped > 0) {
            log.info("{}: skipped {} index entries that no longer match the segments", name, skipped);
        }
        return candidate;
    }

    private static boolean isIntact(Location location, NavigableMap<Long, Segment> segments) throws IOException {
        Segment segment = segments.get(location.segmentBaseOffset());
        if (segment == null || location.baseOffset() < segment.baseOffset() || location.position() < 0
                || (long) location.position() + location.size() > segment.fileLength()) {
            return false;
        }
        ByteBuffer bytes = segment.read(location.position(), location.size());
        Prefix prefix = BatchScan.validPrefix(bytes, location.baseOffset());
        return prefix.stop() == BatchScan.Stop.END && prefix.batches().size() == 1
                && prefix.batches().get(0).lastOffset() == location.lastOffset();
    }

    private record ScanResult(long logEndOffset, long maxTimestamp) {
    }

    private ScanResult scanFrom(NavigableMap<Long, Segment> segments, Segment startSegment, int startPosition,
                                long expected, long maxTimestamp) throws IOException {
        long next = expected;
        long maxTs = maxTimestamp;
        List<Segment> toDelete = new ArrayList<>();
        boolean cut = false;
        int scanned = 0;
        LogIndex.Batch entries = index.newBatch(partitionKey);
        try {
            for (Map.Entry<Long, Segment> e : segments.tailMap(startSegment.baseOffset(), true).entrySet()) {
                Segment segment = e.getValue();
                if (cut) {
                    toDelete.add(segment);
                    continue;
                }
                int position = segment == startSegment ? startPosition : 0;
                boolean compactedGap = segment.baseOffset() > next && compaction.allowsGapBefore(segment.baseOffset());
                if (segment != startSegment && segment.baseOffset() != next && !compactedGap) {
                    log.warn("{}: segment {} starts at offset {} but the log before it ends at {}; deleting it and later ones",
                            name, segment, segment.baseOffset(), next);
                    cut = true;
                    toDelete.add(segment);
                    continue;
                }
                long fileLength = segment.fileLength();
                long needed = 0;
                while (position < fileLength) {
                    int length = (int) Math.min(Math.max(SCAN_CHUNK_BYTES, needed), fileLength - position);
                    ByteBuffer chunk = segment.read(position, length);
                    Prefix prefix = BatchScan.validPrefix(chunk, next, compaction.compactedBelow());
                    for (BatchEntry batch : prefix.batches()) {
                        entries.putOffset(batch.baseOffset(), batch.lastOffset(), segment.baseOffset(),
                                position + batch.position(), batch.size());
                        if (batch.maxTimestamp() > maxTs) {
                            maxTs = batch.maxTimestamp();
                            entries.putTimestamp(maxTs, batch.baseOffset());
                        }
                        if (++scanned % INDEX_BATCH_ENTRIES == 0) {
                            entries.commit();
                            entries.close();
                            entries = index.newBatch(partitionKey);
                        }
                    }
                    next = prefix.nextOffset(next);
                    position += prefix.validBytes();
                    if (prefix.stop() == BatchScan.Stop.END) {
                        needed = 0;
                    } else if (prefix.stop() == BatchScan.Stop.INCOMPLETE && position + prefix.neededBytes() <= fileLength) {
                        needed = prefix.neededBytes(); // a batch larger than the chunk: read it whole
                    } else {
                        log.warn("{}: truncating {} at byte {} of {} ({}); later segments are deleted", name, segment,
                                position, fileLength, prefix.stop() == BatchScan.Stop.INCOMPLETE ? "torn batch" : prefix.reason());
                        cut = true;
                        break;
                    }
                }
                boolean changed = position != (segment == startSegment ? startPosition : 0);
                if (position != fileLength) {
                    segment.truncateTo(position);
                    changed = true;
                }
                segment.publishSize(position);
                if (changed) {
                    segment.flush(); // what lay past the recovery point may not have been fsynced
                }
            }
            entries.commit();
        } finally {
            entries.close();
        }
        for (Segment segment : toDelete) {
            segments.remove(segment.baseOffset());
            segment.closeAndDelete();
        }
        if (!toDelete.isEmpty()) {
            Segment.fsyncDirectory(dir);
        }
        return new ScanResult(next, maxTs);
    }

    private static void closeQuietly(Map<Long, Segment> segments) {
        for (Segment segment : segments.values()) {
            try {
                segment.close();
            } catch (IOException ignored) {
                // already failing; the original error is thrown
            }
        }
    }
}
