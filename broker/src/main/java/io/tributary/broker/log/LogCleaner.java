package io.tributary.broker.log;

import io.tributary.broker.log.PartitionLog.SegmentSpan;
import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import java.util.function.Predicate;

/**
 * Compacts logs whose topic has cleanup.policy {@code compact}: keeps the latest record of each key
 * (Kafka's log cleaner). One pass over a log maps the latest offset of every key in its dirty part
 * (the closed segments written since the last pass, below the high watermark), then rewrites each
 * closed segment up to there without the records a later one of their key replaced, the tombstones
 * older than delete.retention.ms and the records without a key; segments whose last batch is younger
 * than min.compaction.lag.ms wait. Offsets never change: a batch keeps
 * its base offset and last offset delta and each kept record its offset. The active segment is never
 * touched. Reads and writes are throttled to log.cleaner.io.max.bytes.per.second in all, so cleaning
 * cannot take the disk from produce and fetch. Each replica cleans its own log; replicas agree on the
 * latest record of every key, not on which older ones they still hold.
 *
 * <p>One instance is used by one thread.
 */
public final class LogCleaner {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LogCleaner.class);
    private static final int READ_CHUNK_BYTES = 1 << 20;

    /** What one call did. */
    public record Pass(int segmentsRewritten, long bytesRead, long bytesBefore, long bytesAfter, long cleanedBelow) {
        static final Pass NOTHING = new Pass(0, 0, 0, 0, -1);

        public boolean cleaned() {
            return cleanedBelow >= 0;
        }
    }

    private final long dedupeBufferBytes;
    private final IoThrottle throttle;
    /** Set by {@link #stop()}: a pass ends at its next batch (never by interrupting I/O, which would close a segment's channel). */
    private volatile boolean stopping;

    public LogCleaner(long dedupeBufferBytes, long ioMaxBytesPerSecond) {
        this.dedupeBufferBytes = dedupeBufferBytes;
        this.throttle = new IoThrottle(ioMaxBytesPerSecond);
    }

    /** Makes a pass in progress end at its next batch with {@link InterruptedException}, and later calls do nothing. */
    public void stop() {
        stopping = true;
    }

    /**
     * Cleans {@code log} once if its topic is compacted and it is due ({@link CompactionRule#due}).
     *
     * @param highWatermark nothing at or above it is cleaned (it may still be truncated)
     * @param producerLastOffset the last offset of a producer's latest batch, -1 when unknown
     * @param nowMs wall-clock time: tombstones expire by their record timestamps
     */
    public Pass clean(PartitionLog log, long highWatermark, LongUnaryOperator producerLastOffset, long nowMs)
            throws IOException, InterruptedException {
        LogConfig.Compaction config = log.config().compaction();
        if (!config.enabled() || stopping) {
            return Pass.NOTHING;
        }
        CompactionCheckpoint checkpoint = log.compaction();
        List<SegmentSpan> spans = new ArrayList<>();
        for (SegmentSpan span : log.closedSegmentsBelow(Math.min(highWatermark, log.flushedEndOffset()))) {
            if (config.minLagMs() > 0 && span.nextBaseOffset() > checkpoint.compactedBelow()
                    && span.lastBatchMaxTimestamp() > nowMs - config.minLagMs()) {
                break; // min.compaction.lag.ms: this segment and the later ones are too young to clean
            }
            spans.add(span);
        }
        long horizon = nowMs - config.deleteRetentionMs();
        long cleanable = 0;
        long dirty = 0;
        for (SegmentSpan span : spans) {
            cleanable += span.sizeInBytes();
            if (span.nextBaseOffset() > checkpoint.compactedBelow()) {
                dirty += span.sizeInBytes();
            }
        }
        if (!CompactionRule.due(cleanable, dirty, config.minCleanableDirtyRatio(), checkpoint.oldestTombstoneMs(), horizon)) {
            return Pass.NOTHING;
        }
        throttle.reset();
        long startNanos = System.nanoTime();
        OffsetMap map = new OffsetMap(dedupeBufferBytes);
        // Per producer, the last offset of its latest batch seen below the high watermark: an emptied
        // batch of that producer before it may go (its sequence is carried on by the later batch).
        Map<Long, Long> producerLastMapped = new HashMap<>();
        int last = spans.size() - 1; // the last segment this pass cleans
        long read = 0;
        for (int i = 0; i < spans.size(); i++) {
            SegmentSpan span = spans.get(i);
            if (span.nextBaseOffset() <= checkpoint.compactedBelow()) {
                continue;
            }
            read += span.sizeInBytes();
            boolean mappedWhole = forEachBatch(log, span, batch -> {
                if (batch.producerId() >= 0) {
                    producerLastMapped.merge(batch.producerId(), batch.lastOffset(), Math::max);
                }
                if (batch.isControlBatch()) {
                    return true;
                }
                for (Record record : batch.records()) {
                    if (record.key() != null && !map.put(record.key(), record.offset())) {
                        return false;
                    }
                }
                return true;
            });
            if (!mappedWhole) {
                last = i; // the map is full: clean up to here (a partial map only removes fewer records)
                break;
            }
        }
        long oldestTombstone = Long.MAX_VALUE;
        long before = 0;
        long after = 0;
        int rewritten = 0;
        for (int i = 0; i <= last; i++) {
            LongUnaryOperator laterBatchBelowHighWatermark = producerId -> {
                long known = producerLastOffset.applyAsLong(producerId);
                return Math.max(producerLastMapped.getOrDefault(producerId, -1L), known < highWatermark ? known : -1L);
            };
            SegmentResult result = cleanSegment(log, spans.get(i), map, horizon, highWatermark,
                    laterBatchBelowHighWatermark);
            oldestTombstone = Math.min(oldestTombstone, result.oldestTombstoneMs);
            before += spans.get(i).sizeInBytes();
            after += result.bytes;
            read += spans.get(i).sizeInBytes();
            rewritten += result.rewritten ? 1 : 0;
        }
        long cleanedBelow = spans.get(last).nextBaseOffset();
        log.recordCompaction(new CompactionCheckpoint(cleanedBelow, oldestTombstone));
        double seconds = Math.max(System.nanoTime() - startNanos, 1) / 1e9;
        LOG.info("{}: compacted below offset {} ({} keys mapped, {} of {} segments rewritten, {} -> {} bytes, {} bytes read"
                        + " in {} ms: {} MB/s cleaned)", log.topicPartition(), cleanedBelow, map.size(), rewritten, last + 1,
                before, after, read, Math.round(seconds * 1000), String.format("%.1f", before / seconds / (1 << 20)));
        return new Pass(rewritten, read, before, after, cleanedBelow);
    }

    private record SegmentResult(boolean rewritten, long bytes, long oldestTombstoneMs) {
    }

    private SegmentResult cleanSegment(PartitionLog log, SegmentSpan span, OffsetMap map, long horizon,
                                       long highWatermark, LongUnaryOperator producerLastOffset)
            throws IOException, InterruptedException {
        List<BatchScan.BatchEntry> entries = new ArrayList<>();
        long[] oldestTombstone = {Long.MAX_VALUE};
        boolean[] changed = {false};
        int[] position = {0};
        var cleanedPath = log.cleanedFile(span.baseOffset());
        try (FileChannel out = FileChannel.open(cleanedPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            forEachBatch(log, span, batch -> {
                ByteBuffer bytes = batch.slice();
                if (!batch.isControlBatch()) {
                    List<Record> records = batch.records();
                    List<Record> kept = new ArrayList<>(records.size());
                    for (Record record : records) {
                        long latest = record.key() == null ? -1L : map.latestOffset(record.key());
                        if (CompactionRule.retains(record, latest, horizon)) {
                            kept.add(record);
                            if (record.value() == null) {
                                oldestTombstone[0] = Math.min(oldestTombstone[0], record.timestamp());
                            }
                        }
                    }
                    boolean drop = kept.isEmpty() && CompactionRule.dropsEmptied(batch,
                            producerLastOffset.applyAsLong(batch.producerId()), highWatermark);
                    if (drop || kept.size() < records.size()) {
                        changed[0] = true; // an emptied batch kept for its producer goes once a later one is committed
                        if (drop) {
                            return true;
                        }
                        bytes = RecordBatchBuilder.retaining(batch, kept);
                    }
                }
                RecordBatch written = RecordBatch.wrap(bytes.duplicate());
                entries.add(new BatchScan.BatchEntry(written.baseOffset(), written.lastOffset(), written.maxTimestamp(),
                        position[0], written.sizeInBytes()));
                writeFully(out, bytes, position[0]);
                position[0] += written.sizeInBytes();
                return true;
            });
            if (changed[0]) {
                out.force(true);
            }
        }
        if (!changed[0]) {
            Files.deleteIfExists(cleanedPath);
            return new SegmentResult(false, span.sizeInBytes(), oldestTombstone[0]);
        }
        throttle.acquire(position[0]);
        boolean replaced = log.replaceSegment(span, entries, log.compaction().withCompactedBelow(span.nextBaseOffset()));
        return new SegmentResult(replaced, replaced ? position[0] : span.sizeInBytes(), oldestTombstone[0]);
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes, long position) {
        try {
            ByteBuffer src = bytes.duplicate();
            long at = position;
            while (src.hasRemaining()) {
                at += out.write(src, at);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Hands each batch of the closed segment to {@code visitor} until it returns false; false then. */
    private boolean forEachBatch(PartitionLog log, SegmentSpan span, Predicate<RecordBatch> visitor)
            throws IOException, InterruptedException {
        int position = 0;
        int needed = READ_CHUNK_BYTES;
        while (position < span.sizeInBytes()) {
            if (stopping) {
                throw new InterruptedException("the log cleaner is stopping");
            }
            ByteBuffer chunk = log.readClosedSegment(span, position, Math.max(READ_CHUNK_BYTES, needed));
            throttle.acquire(chunk.remaining());
            int pos = 0;
            while (chunk.limit() - pos >= RecordBatch.HEADER_SIZE) {
                int size = chunk.getInt(pos + RecordBatch.LENGTH_OFFSET) + RecordBatch.LOG_OVERHEAD;
                if (size > chunk.limit() - pos) {
                    break;
                }
                try {
                    if (!visitor.test(RecordBatch.wrap(chunk, pos, chunk.limit()))) {
                        return false;
                    }
                } catch (java.io.UncheckedIOException e) {
                    throw e.getCause();
                }
                pos += size;
            }
            if (pos == 0) {
                if (chunk.limit() < RecordBatch.HEADER_SIZE) {
                    throw new IOException(Segment.fileName(span.baseOffset()) + " of " + log.topicPartition()
                            + " ends in a partial batch at byte " + position);
                }
                needed = chunk.getInt(RecordBatch.LENGTH_OFFSET) + RecordBatch.LOG_OVERHEAD;
                if (needed <= chunk.limit()) {
                    throw new IOException("cannot read a whole batch at byte " + position + " of "
                            + Segment.fileName(span.baseOffset()));
                }
                continue;
            }
            position += pos;
            needed = READ_CHUNK_BYTES;
        }
        return true;
    }
}
