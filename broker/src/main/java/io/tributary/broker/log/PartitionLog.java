package io.tributary.broker.log;

import io.tributary.broker.delayed.DelayedOperations;
import io.tributary.broker.log.LogIndex.Location;
import io.tributary.broker.log.LogIndex.TimestampEntry;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.record.CorruptRecordException;
import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The log of one partition: segment files plus its entries in the node's RocksDB index. Created and
 * recovered by {@link LogManager}.
 *
 * <p>Concurrency: appends are serialized by an append lock; reads run concurrently with appends and
 * see only batches published by a finished append (segment size, then log end offset, both
 * volatile). Structural changes (truncation, close) take the write side of a read-write lock that
 * appends, reads and flushes hold for reading.
 *
 * <p>After a failed fsync, or a failed write that could not be undone, the log goes offline: every
 * later call throws {@link LogStorageException} (an fsync may not be retried safely).
 */
public final class PartitionLog {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PartitionLog.class);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final TopicPartition topicPartition;
    private final String topicId;
    private final Path dir;
    private final long partitionKey;
    private final LogIndex index;
    private final SegmentFiles files;
    private final FsyncStats fsyncs;
    /** The node's write-ahead journal: an append is durable once the journal is fsynced past it. */
    private final Journal journal;
    private final Runnable configListener;
    /** Told of every disk failure (a failed write, fsync or truncation): the node's storage is failing. */
    private final Consumer<String> storageFailureListener;

    private final ReentrantReadWriteLock structureLock = new ReentrantReadWriteLock();
    private final ReentrantLock appendLock = new ReentrantLock();
    private final Object flushLock = new Object();
    private final NavigableMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    /** Rolled segments not yet fsynced; guarded by appendLock. */
    private final List<Segment> rolledUnflushed = new ArrayList<>();
    /** Appends waiting for an fsync park here ({@link DelayedOperations.Watch#DURABLE}). */
    private final DelayedOperations delayed;
    /** Guards registering a durable waiter against closing or going offline meanwhile. */
    private final Object waiterLock = new Object();
    /** Why the last waiters were failed (a truncation, an fsync failure, a close), for their exception. */
    private volatile String lastWaiterFailure = "";

    private volatile LogConfig config;
    private volatile Segment active;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    /** Bytes appended since this log was opened (leader and follower appends); written under appendLock. */
    private volatile long appendedBytes;
    private volatile long durableEndOffset;
    /** Below it the segment files themselves are fsynced (the recovery point); at most durableEndOffset. */
    private volatile long flushedEndOffset;
    /** Truncations and replacements so far, so that a flush round never marks offsets a truncation removed; under appendLock. */
    private long truncations;
    /** Running max batch timestamp; guarded by appendLock. */
    private long maxTimestamp;
    /** How far the log is compacted (gaps allowed below it); written by the cleaner and by follower appends. */
    private volatile CompactionCheckpoint compaction;
    private final Object compactionLock = new Object();
    private volatile long lastFlushNanos = System.nanoTime();
    private volatile boolean closed;
    private volatile String offlineReason;

    private PartitionLog(TopicPartition topicPartition, String topicId, Path dir, long partitionKey, LogIndex index,
                         SegmentFiles files, LogConfig config, FsyncStats fsyncs, Journal journal, Runnable configListener,
                         DelayedOperations delayed, Consumer<String> storageFailureListener, LogRecovery.State state) {
        this.storageFailureListener = storageFailureListener;
        this.topicPartition = topicPartition;
        this.delayed = delayed;
        this.topicId = topicId;
        this.dir = dir;
        this.partitionKey = partitionKey;
        this.index = index;
        this.files = files;
        this.config = config;
        this.fsyncs = fsyncs;
        this.journal = journal;
        this.configListener = configListener;
        this.segments.putAll(state.segments());
        this.active = segments.lastEntry().getValue();
        this.logStartOffset = state.logStartOffset();
        this.logEndOffset = state.logEndOffset();
        this.durableEndOffset = state.logEndOffset();
        this.flushedEndOffset = state.logEndOffset();
        this.maxTimestamp = state.maxTimestamp();
        this.compaction = state.compaction();
    }

    /** Opens the partition directory, recovering it (see {@link LogRecovery}); creates the first segment if none. */
    static PartitionLog open(TopicPartition tp, String topicId, Path dir, long partitionKey, LogIndex index,
                             SegmentFiles files, LogConfig config, FsyncStats fsyncs, Journal journal,
                             Runnable configListener, DelayedOperations delayed, Consumer<String> storageFailureListener) {
        LogRecovery.State state = LogRecovery.recover(dir, partitionKey, index, files, tp.toString());
        return new PartitionLog(tp, topicId, dir, partitionKey, index, files, config, fsyncs, journal, configListener, delayed,
                storageFailureListener, state);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public String topicId() {
        return topicId;
    }

    public LogConfig config() {
        return config;
    }

    public void updateConfig(LogConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        configListener.run();
    }

    Path dir() {
        return dir;
    }

    long partitionKey() {
        return partitionKey;
    }

    /**
     * Validates every batch in {@code batches} (position to limit), then assigns base offsets from the
     * log end offset and sets the leader epoch, in place, writes the bytes to the active segment
     * (rolling first when the append would pass segmentBytes) and indexes each batch. All or nothing:
     * if a batch is invalid or the write fails, the log is unchanged. Does not fsync: see
     * {@link LogManager#awaitDurable}. The buffer's position and limit are left as they were; a
     * read-only buffer is copied.
     *
     * @throws CorruptRecordException a truncated or corrupt batch (framing, CRC, records), an empty batch or no batch at all
     * @throws io.tributary.record.UnsupportedRecordFormatException magic other than 2
     * @throws MessageTooLargeException a batch larger than max.message.bytes
     * @throws LogStorageException the write or the index update failed; nothing was appended
     */
    public AppendInfo append(ByteBuffer batches, int leaderEpoch)
            throws RecordFormatException, MessageTooLargeException, LogStorageException {
        if (leaderEpoch < 0) {
            throw new IllegalArgumentException("leader epoch must be >= 0, got " + leaderEpoch);
        }
        return doAppend(batches, leaderEpoch, config.maxMessageBytes());
    }

    /**
     * A follower's append of batches fetched from the leader: offsets and leader epochs are kept as
     * the leader assigned them; the first batch must start at this log's end and each next batch
     * where the previous one ended. Otherwise as {@link #append}.
     *
     * @throws NonContiguousAppendException the batches do not continue this log
     */
    public AppendInfo appendAsFollower(ByteBuffer batches)
            throws RecordFormatException, MessageTooLargeException, LogStorageException {
        return doAppend(batches, KEEP_OFFSETS, config.maxMessageBytes());
    }

    /**
     * Journal replay's append ({@link JournalReplay}): as a follower's, without the size limit, which
     * the log's config (not yet known at open) applied when the batch was first appended.
     */
    void appendReplayed(ByteBuffer batches) {
        doAppend(batches, KEEP_OFFSETS, Integer.MAX_VALUE);
    }

    private static final int KEEP_OFFSETS = -1;

    private AppendInfo doAppend(ByteBuffer batches, int leaderEpoch, int maxMessageBytes) {
        ByteBuffer buffer = writableView(Objects.requireNonNull(batches, "batches"));
        int start = buffer.position();
        int limit = buffer.limit();
        int batchCount = validate(buffer, start, limit, maxMessageBytes, leaderEpoch != KEEP_OFFSETS);
        int totalBytes = limit - start;
        structureLock.readLock().lock();
        appendLock.lock();
        try {
            ensureOnline();
            RecordBatch firstBatch = RecordBatch.wrap(buffer, start, limit);
            boolean rebase = leaderEpoch == KEEP_OFFSETS && startsInsideFirstBatch(firstBatch);
            long firstOffset = rebase || (leaderEpoch == KEEP_OFFSETS && firstBatch.baseOffset() > logEndOffset)
                    ? firstBatch.baseOffset() : logEndOffset;
            long next = rebase ? firstOffset : logEndOffset;
            long lastGapEnd = -1; // a follower copies a compacted leader's gaps: the base of the last batch after one
            long appendMaxTimestamp = Long.MIN_VALUE;
            long logAppendTimeMs = leaderEpoch != KEEP_OFFSETS && config.logAppendTime() ? System.currentTimeMillis() : -1;
            for (int pos = start; pos < limit; ) {
                RecordBatch batch = RecordBatch.wrap(buffer, pos, limit);
                if (leaderEpoch == KEEP_OFFSETS) {
                    if (batch.baseOffset() < next) {
                        throw new NonContiguousAppendException(topicPartition, next, batch.baseOffset());
                    }
                    if (batch.baseOffset() > next) {
                        lastGapEnd = batch.baseOffset(); // compaction on the leader removed what lies between
                    }
                } else {
                    batch.setBaseOffset(next);
                    batch.setPartitionLeaderEpoch(leaderEpoch);
                    if (logAppendTimeMs >= 0) {
                        batch.setLogAppendTime(logAppendTimeMs); // followers keep the leader's stamp
                    }
                }
                next = batch.nextOffset();
                appendMaxTimestamp = Math.max(appendMaxTimestamp, batch.maxTimestamp());
                pos += batch.sizeInBytes();
            }
            if (rebase) {
                restartEmptySegmentAt(firstOffset);
            }
            if (lastGapEnd >= 0 && !compaction.allowsGapBefore(lastGapEnd)) {
                recordCompaction(compaction.withCompactedBelow(lastGapEnd)); // before the gap is on disk
            }
            maybeRoll(totalBytes, appendMaxTimestamp);
            Segment segment = active;
            int position = segment.size();
            writeOrUndo(segment, buffer, position);
            long newMaxTimestamp = indexOrUndo(segment, buffer, start, limit, position);
            journalOrUndo(segment, buffer.slice(start, limit - start), position, firstOffset,
                    Math.min(logEndOffset, firstOffset));
            if (position == 0) {
                segment.rememberFirstBatchMaxTimestamp(firstBatch.maxTimestamp());
            }
            segment.publishSize(position + totalBytes);
            maxTimestamp = newMaxTimestamp;
            appendedBytes += totalBytes;
            logEndOffset = next;
            return new AppendInfo(firstOffset, next - 1, appendMaxTimestamp, batchCount, totalBytes, logAppendTimeMs);
        } finally {
            appendLock.unlock();
            structureLock.readLock().unlock();
        }
    }

    /**
     * Whether a follower's empty log starts inside {@code first}: its leader's log start is in the
     * middle of a batch (DeleteRecords), and a fetch from there returns the whole batch. The log then
     * takes the batch whole, its segment starting at the batch's base offset, below the log start
     * (Kafka's follower does the same).
     */
    private boolean startsInsideFirstBatch(RecordBatch first) {
        return logEndOffset == logStartOffset && active.size() == 0 && segments.size() == 1
                && first.baseOffset() < logEndOffset && first.lastOffset() >= logEndOffset;
    }

    /** Replaces the empty active (and only) segment by an empty one named {@code baseOffset}. Under appendLock. */
    private void restartEmptySegmentAt(long baseOffset) {
        Segment empty = active;
        try {
            empty.closeAndDelete();
        } catch (IOException e) {
            throw new LogStorageException(topicPartition + ": cannot replace the empty segment " + empty, e);
        }
        segments.remove(empty.baseOffset());
        rolledUnflushed.remove(empty);
        Segment rebased;
        try {
            rebased = Segment.create(files, dir, baseOffset);
        } catch (LogStorageException e) {
            offlineReason = "no segment after replacing the empty one: " + e.getMessage();
            storageFailureListener.accept(topicPartition + ": " + offlineReason);
            throw e;
        }
        segments.put(baseOffset, rebased);
        active = rebased;
    }

    private static ByteBuffer writableView(ByteBuffer batches) {
        if (!batches.isReadOnly()) {
            return batches.duplicate(); // big-endian, shares the bytes so offsets are set in place
        }
        ByteBuffer copy = ByteBuffer.allocate(batches.remaining());
        copy.put(batches.duplicate()).flip();
        return copy;
    }

    /**
     * Checks every batch before anything is written; returns the batch count. A leader's batches must
     * be as produced (records, dense offsets); a follower takes what its leader stores, compacted
     * batches included.
     */
    private static int validate(ByteBuffer buffer, int start, int limit, int maxMessageBytes, boolean asProduced) {
        if (start >= limit) {
            throw new CorruptRecordException("the append holds no record batch");
        }
        int count = 0;
        for (int pos = start; pos < limit; ) {
            RecordBatch batch;
            try {
                batch = RecordBatch.wrap(buffer, pos, limit);
            } catch (CorruptRecordException e) {
                throw new CorruptRecordException("batch " + count + " at byte " + (pos - start) + ": " + e.getMessage());
            }
            int size = batch.sizeInBytes();
            if (size > maxMessageBytes) {
                throw new MessageTooLargeException(size, maxMessageBytes);
            }
            if (asProduced) {
                batch.ensureValidAsProduced();
            } else {
                batch.ensureValid();
            }
            count++;
            pos += size;
        }
        return count;
    }

    /** Rolls when the append would pass segment.bytes, or its timestamps are segment.ms past the segment's first batch. */
    private void maybeRoll(int appendBytes, long appendMaxTimestamp) {
        Segment segment = active;
        if (segment.size() == 0) {
            return;
        }
        LogConfig c = config;
        long limit = Math.min(c.segmentBytes(), Integer.MAX_VALUE);
        if ((long) segment.size() + appendBytes > limit || segmentTimeElapsed(segment, appendMaxTimestamp, c.segmentMs())) {
            roll();
        }
    }

    private boolean segmentTimeElapsed(Segment segment, long appendMaxTimestamp, long segmentMs) {
        try {
            long first = segment.firstBatchMaxTimestamp();
            return first >= 0 && appendMaxTimestamp - first > segmentMs; // no timestamp (-1): no time roll
        } catch (IOException e) {
            String what = "cannot read the first batch of " + segment;
            storageFailureListener.accept(topicPartition + ": " + what + " (" + e.getMessage() + ")");
            throw new LogStorageException(topicPartition + ": " + what + "; nothing was appended", e);
        }
    }

    /** Starts a new active segment at the log end; the old one is fsynced by the next flush. Under appendLock. */
    private void roll() {
        Segment next = Segment.create(files, dir, logEndOffset);
        rolledUnflushed.add(active);
        segments.put(next.baseOffset(), next);
        active = next;
    }

    private void writeOrUndo(Segment segment, ByteBuffer buffer, int position) {
        try {
            segment.write(buffer, position);
        } catch (IOException e) {
            undoWrite(segment, position, "cannot write to " + segment, e);
        }
    }

    private long indexOrUndo(Segment segment, ByteBuffer buffer, int start, int limit, int position) {
        long newMax = maxTimestamp;
        try (LogIndex.Batch entries = index.newBatch(partitionKey)) {
            for (int pos = start; pos < limit; ) {
                RecordBatch batch = RecordBatch.wrap(buffer, pos, limit);
                entries.putOffset(batch.baseOffset(), batch.lastOffset(), segment.baseOffset(),
                        position + (pos - start), batch.sizeInBytes());
                if (batch.maxTimestamp() > newMax) {
                    newMax = batch.maxTimestamp();
                    entries.putTimestamp(newMax, batch.baseOffset());
                }
                pos += batch.sizeInBytes();
            }
            entries.commit();
        } catch (LogStorageException e) {
            undoWrite(segment, position, e.getMessage(), e);
        }
        return newMax;
    }

    /** Journals the written batches; if that fails, their index entries and bytes go again. */
    private void journalOrUndo(Segment segment, ByteBuffer written, int position, long firstOffset,
                               long continuedEndOffset) {
        try {
            journal.write(JournalEntry.append(partitionKey, continuedEndOffset, written));
        } catch (LogStorageException e) {
            try {
                index.truncateFrom(partitionKey, firstOffset);
            } catch (LogStorageException indexFailure) {
                e.addSuppressed(indexFailure);
            }
            undoWrite(segment, position, e.getMessage(), e);
        }
    }

    /** Cuts the unpublished bytes off; if even that fails the log goes offline. Always throws. */
    private void undoWrite(Segment segment, int position, String what, Exception cause) {
        storageFailureListener.accept(topicPartition + ": " + what + " (" + cause.getMessage() + ")");
        try {
            segment.truncateTo(position);
        } catch (IOException undo) {
            offlineReason = what + ", and cutting the partial write off failed too (" + undo.getMessage() + ")";
            throw new LogStorageException(topicPartition + " is offline: " + offlineReason + "; the append may be partly on disk", cause);
        }
        throw new LogStorageException(topicPartition + ": " + what + "; nothing was appended", cause);
    }

    /**
     * Whole batches from the one containing {@code fetchOffset}, up to {@code maxBytes} in total but at
     * least one batch, all with lastOffset below {@code maxOffset}; from one segment only. Empty when
     * fetchOffset is at maxOffset or the log end. The buffer is positioned at 0.
     *
     * @throws OffsetOutOfRangeException fetchOffset is below the log start or above the log end
     */
    public ByteBuffer read(long fetchOffset, int maxBytes, long maxOffset) throws OffsetOutOfRangeException, LogStorageException {
        structureLock.readLock().lock();
        try {
            Start at = locate(fetchOffset, maxOffset);
            if (at == null) {
                return EMPTY.duplicate();
            }
            ByteBuffer bytes = at.segment().read(at.location().position(), at.length(maxBytes));
            int whole = BatchScan.wholeBatchesBelow(bytes, at.limitOffset());
            if (whole == 0) {
                throw noWholeBatch(at);
            }
            bytes.limit(whole);
            return bytes;
        } catch (IOException e) {
            throw new LogStorageException(topicPartition + ": cannot read at offset " + fetchOffset, e);
        } finally {
            structureLock.readLock().unlock();
        }
    }

    /**
     * The same batches as {@link #read}, as a region of the segment file that is copied only when it
     * is sent ({@link LogSlice#writeTo}): a fetch holds no copy of the records in the heap. Only the
     * batch headers are read here, to find where the whole batches end.
     */
    public LogSlice readSlice(long fetchOffset, int maxBytes, long maxOffset) throws OffsetOutOfRangeException, LogStorageException {
        structureLock.readLock().lock();
        try {
            Start at = locate(fetchOffset, maxOffset);
            if (at == null) {
                return LogSlice.EMPTY;
            }
            int position = at.location().position();
            int whole = at.segment().wholeBatchesBelow(position, at.length(maxBytes), at.limitOffset());
            if (whole == 0) {
                throw noWholeBatch(at);
            }
            return new LogSlice(at.segment(), position, whole);
        } catch (IOException e) {
            throw new LogStorageException(topicPartition + ": cannot read at offset " + fetchOffset, e);
        } finally {
            structureLock.readLock().unlock();
        }
    }

    /** Where a read starts: the batch holding the fetch offset (or the next one kept), in its segment. */
    private record Start(Segment segment, Location location, long limitOffset) {
        /** Bytes to read: up to maxBytes, at least the first batch, not past the segment's end. */
        int length(int maxBytes) {
            long available = segment.size() - (long) location.position();
            return (int) Math.max(0, Math.min(available, Math.max(maxBytes, location.size())));
        }
    }

    /** The start of a read, or null when there is nothing to read below {@code maxOffset}. Call under the structure lock. */
    private Start locate(long fetchOffset, long maxOffset) throws OffsetOutOfRangeException {
        ensureOnline();
        long end = logEndOffset;
        long start = logStartOffset;
        if (fetchOffset < start || fetchOffset > end) {
            throw new OffsetOutOfRangeException(topicPartition.toString(), fetchOffset, start, end);
        }
        long limitOffset = Math.min(maxOffset, end);
        if (fetchOffset >= limitOffset) {
            return null;
        }
        Location location = index.floor(partitionKey, fetchOffset);
        if (location == null || location.lastOffset() < fetchOffset) {
            // Compaction removed the batch that held it: serve from the next batch the log keeps.
            Location next = index.ceiling(partitionKey, fetchOffset);
            if (next == null && compaction.allowsGapBefore(fetchOffset)) {
                return null; // the gap runs to the end of the closed segments
            }
            if (next == null) {
                throw new LogStorageException(topicPartition + ": the index has no batch holding offset "
                        + fetchOffset + " or after it (found " + location + ")");
            }
            location = next;
        }
        if (location.lastOffset() >= limitOffset) {
            return null;
        }
        Segment segment = segments.get(location.segmentBaseOffset());
        if (segment == null) {
            throw new LogStorageException(topicPartition + ": the index points at missing segment "
                    + Segment.fileName(location.segmentBaseOffset()));
        }
        return new Start(segment, location, limitOffset);
    }

    private LogStorageException noWholeBatch(Start at) {
        return new LogStorageException(topicPartition + ": no whole batch at byte " + at.location().position() + " of "
                + at.segment() + " where the index puts offset " + at.location().baseOffset());
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    /** The next offset to assign. */
    public long logEndOffset() {
        return logEndOffset;
    }

    /** Every offset below it is fsynced. */
    public long durableEndOffset() {
        return durableEndOffset;
    }

    /**
     * The first offset whose record timestamp is {@code >= timestampMs}, or -1 when there is none. Finds
     * the first batch whose running max timestamp reaches it in the timestamps index, then the record in
     * the batch.
     */
    public long offsetForTimestamp(long timestampMs) throws LogStorageException {
        structureLock.readLock().lock();
        try {
            ensureOnline();
            long baseOffset = index.offsetForTimestamp(partitionKey, timestampMs);
            if (baseOffset < 0 || baseOffset >= logEndOffset) {
                return -1L;
            }
            Location location = index.get(partitionKey, baseOffset);
            if (location == null) {
                location = index.ceiling(partitionKey, baseOffset); // compaction removed that batch
            }
            Segment segment = location == null ? null : segments.get(location.segmentBaseOffset());
            if (segment == null) {
                throw new LogStorageException(topicPartition + ": the timestamp index points at offset " + baseOffset
                        + " which the offset index cannot place");
            }
            RecordBatch batch = RecordBatch.wrap(segment.read(location.position(), location.size()));
            long start = logStartOffset; // the first kept batch may begin below it (DeleteRecords)
            for (Record record : batch.records()) { // a compressed batch is decompressed: the answer is exact
                if (record.offset() >= start && record.timestamp() >= timestampMs) {
                    return record.offset();
                }
            }
            return Math.max(batch.baseOffset(), start);
        } catch (IOException e) {
            throw new LogStorageException(topicPartition + ": cannot read for timestamp " + timestampMs, e);
        } finally {
            structureLock.readLock().unlock();
        }
    }

    /**
     * Removes everything at and above {@code offset}: a batch that holds it goes whole, so the log end
     * becomes that batch's base offset. At or below the log start, or inside the batch holding a
     * start that DeleteRecords put mid-batch, the log is emptied and restarts at the log start offset. The cut is fsynced; waiters above the new end fail.
     */
    public void truncateTo(long offset) throws LogStorageException {
        structureLock.writeLock().lock();
        try {
            ensureOnline();
            if (offset >= logEndOffset) {
                return;
            }
            journalDurably(JournalEntry.marker(JournalEntry.Type.TRUNCATE, partitionKey, offset));
            long newEnd;
            Segment keep;
            int keepBytes;
            Location location = offset <= logStartOffset ? null : index.floor(partitionKey, offset);
            if (offset <= logStartOffset || (location != null && location.baseOffset() < logStartOffset)) {
                // at or below the start, or inside the batch that holds it (the start is mid-batch): empty
                newEnd = logStartOffset;
                keep = segments.firstEntry().getValue();
                keepBytes = 0;
            } else {
                if (location == null || segments.get(location.segmentBaseOffset()) == null) {
                    throw new LogStorageException(topicPartition + ": the index cannot place offset " + offset + " to truncate to");
                }
                keep = segments.get(location.segmentBaseOffset());
                if (location.lastOffset() < offset) {
                    // In a gap compaction left: the batch before it stays whole and the log ends at the offset.
                    newEnd = offset;
                    keepBytes = location.position() + location.size();
                    recordCompaction(compaction.withCompactedBelow(offset));
                } else {
                    newEnd = location.baseOffset();
                    keepBytes = location.position();
                }
            }
            boolean deleted = false;
            for (Segment later : new ArrayList<>(segments.tailMap(keep.baseOffset(), false).values())) {
                segments.remove(later.baseOffset());
                later.closeAndDelete();
                deleted = true;
            }
            keep.truncateTo(keepBytes);
            for (Segment rolled : rolledUnflushed) {
                if (rolled != keep && segments.get(rolled.baseOffset()) == rolled) {
                    fsyncs.time(rolled::flush);
                }
            }
            fsyncs.time(keep::flush);
            if (deleted) {
                Segment.fsyncDirectory(dir);
            }
            if (keep.baseOffset() != newEnd && keepBytes == 0) {
                // Emptied the first segment below the log start: restart it at the log start offset.
                segments.remove(keep.baseOffset());
                keep.closeAndDelete();
                keep = Segment.create(files, dir, newEnd);
                segments.put(newEnd, keep);
            }
            index.truncateFrom(partitionKey, newEnd == logStartOffset ? 0 : newEnd); // emptied: the batch holding the start goes too
            appendLock.lock();
            try {
                rolledUnflushed.clear(); // all fsynced above
                active = keep;
                TimestampEntry lastTs = index.lastTimestamp(partitionKey);
                maxTimestamp = lastTs == null ? Long.MIN_VALUE : lastTs.maxTimestamp();
                logEndOffset = newEnd;
                durableEndOffset = newEnd; // everything left was fsynced above
                flushedEndOffset = newEnd;
                truncations++;
            }
            finally {
                appendLock.unlock();
            }
            index.putRecoveryPoint(partitionKey, durableEndOffset);
            if (index.highWatermark(partitionKey) > newEnd) { // only an unclean truncation goes below it
                index.putHighWatermark(partitionKey, newEnd);
            }
            failWaitersAbove(newEnd, new LogStorageException(topicPartition + " was truncated to offset " + newEnd
                    + " before these appends became durable"));
            completeDurableWaiters();
        } catch (IOException e) {
            offlineReason = "truncation to offset " + offset + " failed: " + e.getMessage();
            storageFailureListener.accept(topicPartition + ": " + offlineReason);
            throw new LogStorageException(topicPartition + " is offline: " + offlineReason, e);
        } finally {
            structureLock.writeLock().unlock();
        }
    }

    /**
     * The log start offset the topic's retention allows now ({@link RetentionRule}): the base of the
     * first segment to keep, never past a segment holding {@code highWatermark} or above; the
     * current start when nothing is due.
     */
    public long retentionStartOffset(long nowMs, long highWatermark) throws LogStorageException {
        structureLock.readLock().lock();
        try {
            ensureOnline();
            LogConfig.Retention retention = config.retention();
            List<RetentionRule.SegmentSpan> spans = new ArrayList<>(segments.size());
            segments.values().forEach(s -> spans.add(new RetentionRule.SegmentSpan(s.baseOffset(), s.size())));
            long cutoff = retention.ms() < 0 ? -1 : index.offsetForTimestamp(partitionKey, nowMs - retention.ms());
            long allowed = RetentionRule.newLogStartOffset(spans, logEndOffset, retention, cutoff, highWatermark);
            return Math.max(allowed, logStartOffset);
        } finally {
            structureLock.readLock().unlock();
        }
    }

    /**
     * Moves the log start offset up to {@code newStart} (retention, DeleteRecords, or a follower
     * following its leader's start): records below it are no longer served, and segments wholly
     * below it are deleted with their index entries. The new start is recorded durably first, so a
     * crash never brings the prefix back. When it is the log end, the active segment is rolled so
     * that it can go too.
     *
     * @return whether the start moved
     * @throws OffsetOutOfRangeException {@code newStart} is beyond the log end
     */
    public boolean advanceLogStartOffset(long newStart) throws OffsetOutOfRangeException, LogStorageException {
        List<Segment> doomed = new ArrayList<>();
        structureLock.writeLock().lock();
        try {
            ensureOnline();
            if (newStart <= logStartOffset) {
                return false;
            }
            if (newStart > logEndOffset) {
                throw new OffsetOutOfRangeException(topicPartition.toString(), newStart, logStartOffset, logEndOffset);
            }
            index.putLogStartOffsetDurably(partitionKey, newStart);
            appendLock.lock();
            try {
                if (newStart == logEndOffset && active.size() > 0) {
                    roll();
                }
                doomed.addAll(Segment.removeWhollyBelow(segments, newStart));
                rolledUnflushed.removeAll(doomed);
                logStartOffset = newStart;
            } finally {
                appendLock.unlock();
            }
            Location kept = index.floor(partitionKey, newStart);
            index.deleteBelow(partitionKey, kept == null || kept.lastOffset() < newStart ? newStart : kept.baseOffset());
        } finally {
            structureLock.writeLock().unlock();
        }
        deleteFiles(doomed); // unreachable now: readers find segments under the structure lock
        return true;
    }

    private void deleteFiles(List<Segment> doomed) {
        for (Segment segment : doomed) {
            try {
                segment.closeAndDelete();
            } catch (IOException e) {
                // below the recorded start: the next open deletes it
                LOG.warn("{}: cannot delete {} below the log start offset: {}", topicPartition, segment, e.toString());
            }
        }
    }

    /**
     * Replaces the whole log by an empty one starting at {@code offset}: a follower whose log ends
     * below its leader's log start offset cannot continue it, and starts again where the leader's
     * log starts (Kafka's truncateFullyAndStartAt). Waiters fail. Durable: the new start is recorded
     * before the old segments go.
     */
    public void truncateFullyAndStartAt(long offset) throws LogStorageException {
        if (offset < 0) {
            throw new IllegalArgumentException("log start offset " + offset + " is negative");
        }
        List<Segment> old;
        structureLock.writeLock().lock();
        try {
            ensureOnline();
            journalDurably(JournalEntry.marker(JournalEntry.Type.RESET, partitionKey, offset));
            index.putLogStartOffsetDurably(partitionKey, offset);
            appendLock.lock();
            try {
                old = new ArrayList<>(segments.values());
                segments.clear();
                rolledUnflushed.clear();
                deleteFiles(old); // before creating: the new segment may reuse a name
                Segment fresh = Segment.create(files, dir, offset);
                segments.put(offset, fresh);
                active = fresh;
                maxTimestamp = Long.MIN_VALUE;
                logStartOffset = offset;
                logEndOffset = offset;
                durableEndOffset = offset;
                flushedEndOffset = offset;
                truncations++;
            } finally {
                appendLock.unlock();
            }
            Segment.fsyncDirectory(dir);
            index.truncateFrom(partitionKey, 0);
            index.putRecoveryPoint(partitionKey, offset);
            failWaitersAbove(Long.MIN_VALUE, new LogStorageException(topicPartition
                    + " was replaced by an empty log starting at " + offset + " before these appends became durable"));
        } catch (IOException e) {
            offlineReason = "restarting the log at offset " + offset + " failed: " + e.getMessage();
            storageFailureListener.accept(topicPartition + ": " + offlineReason);
            throw new LogStorageException(topicPartition + " is offline: " + offlineReason, e);
        } finally {
            structureLock.writeLock().unlock();
        }
    }

    /**
     * Fsyncs the active segment and every rolled segment not yet synced, then records the log end
     * offset seen before the fsync as the recovery point and advances {@link #durableEndOffset()} to
     * it. A checkpoint and a close call it; acknowledgements wait for the journal instead. A failed
     * fsync takes the log offline.
     */
    public void flush() throws LogStorageException {
        synchronized (flushLock) {
            structureLock.readLock().lock();
            try {
                ensureOnline();
                long end;
                List<Segment> toSync;
                appendLock.lock();
                try {
                    end = logEndOffset;
                    if (end == flushedEndOffset && rolledUnflushed.isEmpty()) {
                        return;
                    }
                    toSync = new ArrayList<>(rolledUnflushed);
                    toSync.add(active);
                    rolledUnflushed.clear();
                } finally {
                    appendLock.unlock();
                }
                for (Segment segment : toSync) {
                    try {
                        fsyncs.time(segment::flush);
                    } catch (IOException e) {
                        offlineReason = "fsync of " + segment + " failed: " + e.getMessage();
                        storageFailureListener.accept(topicPartition + ": " + offlineReason);
                        throw new LogStorageException(topicPartition + " is offline: " + offlineReason, e);
                    }
                }
                if (end > flushedEndOffset) {
                    flushedEndOffset = end;
                    index.putRecoveryPoint(partitionKey, end);
                }
                markDurable(new DurabilityMark(end, -1));
            } finally {
                structureLock.readLock().unlock();
            }
        }
    }

    /**
     * The high watermark to checkpoint for this replica (Kafka's replication-offset-checkpoint): it
     * bounds truncation after a restart and lets a new leader serve consumers at once. Capped at the
     * durable end, so it never names data a crash could take back. {@link
     * LogManager#checkpointHighWatermarks} writes it, with the other partitions', in one synced write.
     */
    public long highWatermarkToCheckpoint(long highWatermark) {
        ensureOnline();
        return Math.min(highWatermark, durableEndOffset);
    }

    /**
     * The last checkpointed high watermark (0 when none). Above the log end only when the log lost
     * records that were committed (a segment truncated or rolled back behind the broker's back):
     * the replica's recovery decides what that means.
     */
    public long highWatermarkCheckpoint() {
        return index.highWatermark(partitionKey);
    }

    // ---- replica state snapshots (the partition layer's, stored opaquely in the index) ----

    /** Stores a replica state snapshot taken when this log ended at {@code endOffset}; see {@link LogIndex#putStateSnapshot}. */
    public void putStateSnapshot(long endOffset, byte[] snapshot) {
        ensureOnline();
        index.putStateSnapshot(partitionKey, endOffset, snapshot);
    }

    /** The stored replica state snapshots taken at or below {@code offset}, newest first. */
    public List<byte[]> stateSnapshotsAtOrBelow(long offset) {
        return index.stateSnapshotsAtOrBelow(partitionKey, offset);
    }

    /** Deletes the stored replica state snapshots, durably: the next recovery of this replica scans its whole log. */
    public void discardStateSnapshots() {
        index.deleteStateSnapshotsDurably(partitionKey);
    }

    /**
     * The partition leader epoch of the batch that ends exactly at {@code offset - 1}, or empty when
     * no batch of this log ends there (the log is shorter, the offset is inside a batch, below the
     * log start, or compaction dropped that batch).
     */
    public OptionalInt epochOfBatchEndingBefore(long offset) {
        if (offset <= logStartOffset || offset > logEndOffset) {
            return OptionalInt.empty();
        }
        try {
            ByteBuffer bytes = read(offset - 1, 1, offset);
            if (!bytes.hasRemaining()) {
                return OptionalInt.empty();
            }
            RecordBatch batch = RecordBatch.wrap(bytes);
            return batch.lastOffset() == offset - 1 ? OptionalInt.of(batch.partitionLeaderEpoch())
                    : OptionalInt.empty();
        } catch (OffsetOutOfRangeException | LogStorageException | RecordFormatException unreadable) {
            return OptionalInt.empty();
        }
    }

    /**
     * Takes the log offline because its segments were found damaged below where start-up checked
     * them (the log verifier), and reports it as a storage failure: the node stops, and its next
     * start recovers this replica from the whole log.
     */
    public void failAsDamaged(String damage) {
        offlineReason = "damaged segments: " + damage;
        storageFailureListener.accept(topicPartition + ": " + offlineReason);
    }

    /** Bytes appended since this log was opened: a clock of how much a recovery from an older state must scan. */
    public long appendedBytes() {
        return appendedBytes;
    }

    /** Bytes in all segments. */
    public long sizeInBytes() {
        long total = 0;
        for (Segment segment : segments.values()) {
            total += segment.size();
        }
        return total;
    }

    // ---- for LogManager's flusher ----

    /** The log end offset when a flush round began, and the truncations the log had seen then. */
    record DurabilityMark(long endOffset, long truncations) {
    }

    /** Where the log ends now: once the journal is fsynced, {@link #markDurable} makes it durable. */
    DurabilityMark durabilityMark() {
        appendLock.lock();
        try {
            return new DurabilityMark(logEndOffset, truncations);
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Raises {@link #durableEndOffset()} to the mark's end, unless the log was truncated or replaced
     * since the mark was taken (its end may name offsets that are gone); {@code truncations} -1: a
     * mark taken under the structure lock, which excludes truncations.
     */
    void markDurable(DurabilityMark mark) {
        appendLock.lock();
        try {
            if ((mark.truncations() < 0 || mark.truncations() == truncations) && mark.endOffset() > durableEndOffset) {
                durableEndOffset = mark.endOffset();
            }
            lastFlushNanos = System.nanoTime();
        } finally {
            appendLock.unlock();
        }
    }

    /** Below this offset the segment files are fsynced; compaction rewrites nothing above it. */
    long flushedEndOffset() {
        return flushedEndOffset;
    }

    /** Writes an entry that must be durable before the segments change (a truncation or replacement). */
    private void journalDurably(JournalEntry entry) {
        journal.write(entry);
        journal.force();
    }

    /**
     * Parks until every offset below {@code endOffset} is fsynced: NONE then, STORAGE_ERROR when the
     * log is truncated below it, fails, or closes first ({@link #lastWaiterFailure} says which).
     * Empty when the log is closed or offline (nothing registered).
     */
    Optional<CompletableFuture<ErrorCode>> awaitDurable(long endOffset) {
        synchronized (waiterLock) {
            if (closed || offlineReason != null) {
                return Optional.empty();
            }
            return Optional.of(delayed.await(topicPartition, DelayedOperations.Watch.DURABLE, endOffset,
                    DelayedOperations.NO_TIMEOUT, () -> durableEndOffset));
        }
    }

    String lastWaiterFailure() {
        return lastWaiterFailure;
    }

    /** Completes the waiters now covered by {@link #durableEndOffset()}. */
    void completeDurableWaiters() {
        delayed.complete(topicPartition, DelayedOperations.Watch.DURABLE, durableEndOffset, ErrorCode.NONE).run();
    }

    void failWaitersAbove(long offset, Throwable error) {
        lastWaiterFailure = error.getMessage();
        delayed.completeAbove(topicPartition, DelayedOperations.Watch.DURABLE, offset, ErrorCode.STORAGE_ERROR).run();
    }

    /**
     * When the flusher should next look at this log: for an {@link FlushPolicy#INTERVAL} log with
     * unflushed data, its last flush plus the interval; for a clean one, {@code nowNanos} plus the
     * interval (appends do not wake the flusher); Long.MAX_VALUE for other logs.
     */
    long intervalFlushDeadlineNanos(long nowNanos) {
        LogConfig c = config;
        if (c.flushPolicy() != FlushPolicy.INTERVAL || isClosedOrOffline()) {
            return Long.MAX_VALUE;
        }
        long intervalNanos = Math.min(c.flushIntervalMs(), Long.MAX_VALUE / 4_000_000L) * 1_000_000L; // flush.ms may be Long.MAX_VALUE
        return logEndOffset == durableEndOffset ? nowNanos + intervalNanos : lastFlushNanos + intervalNanos;
    }

    /** The segment appends go to; for tests that make the disk fail under the log. */
    Segment activeSegment() {
        return active;
    }

    public boolean isClosedOrOffline() {
        return closed || offlineReason != null;
    }

    /** Closes the files; pending waiters fail with {@code reason}. Does not flush. */
    void close(String reason) {
        structureLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            synchronized (waiterLock) {
                closed = true;
            }
            IOException first = null;
            for (Segment segment : segments.values()) {
                try {
                    segment.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            failWaitersAbove(Long.MIN_VALUE, new LogStorageException(topicPartition + " " + reason
                    + " before these appends became durable"));
            if (first != null) {
                throw new LogStorageException("cannot close " + topicPartition, first);
            }
        } finally {
            structureLock.writeLock().unlock();
        }
    }

    // ---- compaction (see LogCleaner) ----

    /** How far the log is compacted. */
    CompactionCheckpoint compaction() {
        return compaction;
    }

    /** Whether a batch based at {@code baseOffset} may follow a gap: compaction removed what lay before it. */
    public boolean compactedGapAllowedBefore(long baseOffset) {
        return compaction.allowsGapBefore(baseOffset);
    }

    /** Writes {@code next} durably (it never moves compactedBelow down) and makes it current. */
    void recordCompaction(CompactionCheckpoint next) {
        synchronized (compactionLock) {
            CompactionCheckpoint merged = new CompactionCheckpoint(
                    Math.max(next.compactedBelow(), compaction.compactedBelow()), next.oldestTombstoneMs());
            if (!merged.equals(compaction)) {
                merged.write(dir);
                compaction = merged;
            }
        }
    }

    /**
     * A closed segment: {@code nextBaseOffset} is the base offset of the segment after it;
     * {@code lastBatchMaxTimestamp} the max timestamp of its last batch (min.compaction.lag.ms counts
     * from it), {@link Long#MIN_VALUE} when it holds none.
     */
    record SegmentSpan(long baseOffset, long nextBaseOffset, int sizeInBytes, long lastBatchMaxTimestamp) {
    }

    /** The segments before the active one whose every offset is below {@code offset}, oldest first. */
    List<SegmentSpan> closedSegmentsBelow(long offset) {
        structureLock.readLock().lock();
        try {
            List<SegmentSpan> spans = new ArrayList<>();
            for (Segment segment : segments.values()) {
                Long next = segments.higherKey(segment.baseOffset());
                if (segment == active || next == null || next > offset) {
                    break;
                }
                Location last = index.floor(partitionKey, next - 1);
                long lastMaxTimestamp = Long.MIN_VALUE;
                if (last != null && last.segmentBaseOffset() == segment.baseOffset()) {
                    lastMaxTimestamp = segment.read(last.position(), RecordBatch.HEADER_SIZE)
                            .getLong(RecordBatch.MAX_TIMESTAMP_OFFSET);
                }
                spans.add(new SegmentSpan(segment.baseOffset(), next, segment.size(), lastMaxTimestamp));
            }
            return spans;
        } catch (IOException e) {
            throw new LogStorageException(topicPartition + ": cannot read the closed segments' last batches", e);
        } finally {
            structureLock.readLock().unlock();
        }
    }

    /** Up to {@code length} bytes of the closed segment {@code span} from {@code position}. */
    ByteBuffer readClosedSegment(SegmentSpan span, int position, int length) throws IOException {
        structureLock.readLock().lock();
        try {
            ensureOnline();
            Segment segment = segments.get(span.baseOffset());
            if (segment == null || segment == active) {
                throw new IOException(Segment.fileName(span.baseOffset()) + " of " + topicPartition + " is gone");
            }
            return segment.read(position, Math.min(length, segment.size() - position));
        } finally {
            structureLock.readLock().unlock();
        }
    }

    /** Where the cleaner writes the cleaned copy of the segment based at {@code baseOffset}. */
    Path cleanedFile(long baseOffset) {
        return dir.resolve(Segment.fileName(baseOffset) + LogRecovery.CLEANED_SUFFIX);
    }

    /**
     * Replaces the closed segment {@code span} by its cleaned copy (fsynced by the caller), whose
     * batches are {@code batches} (positions in the copy). Crash-safe in this order: the checkpoint
     * (so the copy's gaps are accepted), {@code .cleaned} renamed to {@code .swap}, the index entries
     * replaced (synced), {@code .swap} renamed over the segment; recovery completes a swap it finds
     * and indexes that segment again. Returns false, deleting the copy, when the segment changed
     * meanwhile (retention deleted it, a truncation cut it, it is not fsynced yet). An emptied
     * segment other than the first is deleted instead.
     */
    boolean replaceSegment(SegmentSpan span, List<BatchScan.BatchEntry> batches, CompactionCheckpoint checkpoint) {
        Path cleaned = cleanedFile(span.baseOffset());
        structureLock.writeLock().lock();
        appendLock.lock();
        try {
            ensureOnline();
            Segment old = segments.get(span.baseOffset());
            Long next = segments.higherKey(span.baseOffset());
            if (old == null || old == active || next == null || next != span.nextBaseOffset()
                    || old.size() != span.sizeInBytes() || rolledUnflushed.contains(old)) {
                Files.deleteIfExists(cleaned);
                return false;
            }
            recordCompaction(checkpoint);
            if (batches.isEmpty() && segments.firstKey() != span.baseOffset()) {
                // Compaction emptied it: delete it rather than keep an empty file (the first one stays, it
                // names where the log starts). Its range becomes a gap, accepted below the checkpoint.
                try (LogIndex.Batch entries = index.newBatch(partitionKey)) {
                    entries.deleteOffsets(span.baseOffset(), span.nextBaseOffset());
                    entries.commitDurably();
                }
                segments.remove(span.baseOffset());
                old.closeAndDelete();
                Files.deleteIfExists(cleaned);
                Segment.fsyncDirectory(dir);
                return true;
            }
            Path swap = dir.resolve(Segment.fileName(span.baseOffset()) + LogRecovery.SWAP_SUFFIX);
            Files.move(cleaned, swap, StandardCopyOption.ATOMIC_MOVE);
            Segment.fsyncDirectory(dir);
            try (LogIndex.Batch entries = index.newBatch(partitionKey)) {
                entries.deleteOffsets(span.baseOffset(), span.nextBaseOffset());
                for (BatchScan.BatchEntry batch : batches) {
                    entries.putOffset(batch.baseOffset(), batch.lastOffset(), span.baseOffset(), batch.position(),
                            batch.size());
                }
                entries.commitDurably();
            }
            Files.move(swap, old.path(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Segment.fsyncDirectory(dir);
            old.close();
            segments.put(span.baseOffset(), Segment.open(files, old.path(), span.baseOffset()));
            return true;
        } catch (IOException e) {
            offlineReason = "swapping in the cleaned " + Segment.fileName(span.baseOffset()) + " failed: " + e.getMessage();
            storageFailureListener.accept(topicPartition + ": " + offlineReason);
            throw new LogStorageException(topicPartition + " is offline: " + offlineReason, e);
        } finally {
            appendLock.unlock();
            structureLock.writeLock().unlock();
        }
    }

    private void ensureOnline() {
        if (closed) {
            throw new LogStorageException(topicPartition + " is closed");
        }
        String reason = offlineReason;
        if (reason != null) {
            throw new LogStorageException(topicPartition + " is offline: " + reason);
        }
    }

    /** For tests: segment base offsets in order. */
    List<Long> segmentBaseOffsets() {
        return List.copyOf(segments.keySet());
    }

    /** For tests: where the index puts the batch holding {@code offset}. */
    Location locate(long offset) {
        return index.floor(partitionKey, offset);
    }

    @Override
    public String toString() {
        return "PartitionLog(" + topicPartition + ", topicId=" + topicId + ", start=" + logStartOffset + ", end="
                + logEndOffset + ", durable=" + durableEndOffset + ")";
    }

}
