package io.tributary.broker.log;

import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.stream.Stream;

/**
 * The node's one RocksDB instance holding the offset and timestamp indexes of every partition log
 * (layout in {@code package-info}). Derived data: writes are not synced (the WAL is written to the
 * page cache so the index survives a process crash), and recovery repairs the index from the
 * segments after a power loss. A corrupt index directory is discarded and rebuilt.
 */
final class LogIndex implements AutoCloseable {
    static final String OFFSETS_CF = "offsets";
    static final String TIMESTAMPS_CF = "timestamps";
    private static final Logger log = LoggerFactory.getLogger(LogIndex.class);
    private static final byte[] RECOVERY_POINT_TAG = "recovery-point".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HIGH_WATERMARK_TAG = "high-watermark".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LOG_START_OFFSET_TAG = "log-start-offset".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STATE_SNAPSHOT_TAG = "replica-state".getBytes(StandardCharsets.US_ASCII);
    /** Replica state snapshots kept per partition: an older one serves when a truncation passed the newest. */
    static final int STATE_SNAPSHOTS_KEPT = 3;
    private static final int OFFSET_VALUE_SIZE = 20;

    /** Where one batch lives: its base and last offset, segment, file position and size. */
    record Location(long baseOffset, long lastOffset, long segmentBaseOffset, int position, int size) {
        long nextOffset() {
            return lastOffset + 1;
        }
    }

    /** One timestamps entry: the partition's running max timestamp first reached at batch {@code offset}. */
    record TimestampEntry(long maxTimestamp, long offset) {
    }

    private final Path dir;
    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final List<ColumnFamilyHandle> handles;
    private final ColumnFamilyHandle meta;
    private final ColumnFamilyHandle offsets;
    private final ColumnFamilyHandle timestamps;
    private final WriteOptions writeOptions;
    private final ReadOptions readOptions;

    private LogIndex(Path dir, RocksDB db, DBOptions dbOptions, ColumnFamilyOptions cfOptions,
                     List<ColumnFamilyHandle> handles) {
        this.dir = dir;
        this.db = db;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.handles = handles;
        this.meta = handles.get(0);
        this.offsets = handles.get(1);
        this.timestamps = handles.get(2);
        this.writeOptions = new WriteOptions().setSync(false);
        this.readOptions = new ReadOptions();
    }

    /** Opens or creates the index at {@code dir}; a corrupt one is deleted and created afresh. */
    static LogIndex open(Path dir) {
        RocksDB.loadLibrary();
        try {
            return tryOpen(dir);
        } catch (RocksDBException e) {
            Status status = e.getStatus();
            if (status == null || status.getCode() != Status.Code.Corruption) {
                throw new LogStorageException("cannot open the log index at " + dir, e);
            }
            log.warn("log index at {} is corrupt ({}); deleting it, it is rebuilt from the segments", dir, e.getMessage());
            deleteRecursively(dir);
            try {
                return tryOpen(dir);
            } catch (RocksDBException again) {
                throw new LogStorageException("cannot recreate the log index at " + dir, again);
            }
        }
    }

    private static LogIndex tryOpen(Path dir) throws RocksDBException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LogStorageException("cannot create the log index directory " + dir, e);
        }
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2)
                .setKeepLogFileNum(2)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL);
        ColumnFamilyOptions cfOptions = new ColumnFamilyOptions().setWriteBufferSize(16L << 20);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>(List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
                new ColumnFamilyDescriptor(OFFSETS_CF.getBytes(StandardCharsets.UTF_8), cfOptions),
                new ColumnFamilyDescriptor(TIMESTAMPS_CF.getBytes(StandardCharsets.UTF_8), cfOptions)));
        // Open column families that a newer version may have added too: RocksDB requires all of them.
        try (Options listOptions = new Options()) {
            for (byte[] name : listExisting(listOptions, dir)) {
                if (descriptors.stream().noneMatch(d -> Arrays.equals(d.getName(), name))) {
                    descriptors.add(new ColumnFamilyDescriptor(name, cfOptions));
                }
            }
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            return new LogIndex(dir, db, dbOptions, cfOptions, handles);
        } catch (RocksDBException e) {
            dbOptions.close();
            cfOptions.close();
            throw e;
        }
    }

    private static List<byte[]> listExisting(Options options, Path dir) throws RocksDBException {
        if (!Files.exists(dir.resolve("CURRENT"))) {
            return List.of();
        }
        return RocksDB.listColumnFamilies(options, dir.toString());
    }

    // ---- keys: partition key (8 bytes, positive) + big-endian offset or sign-flipped timestamp ----

    static byte[] key(long partitionKey, long value) {
        return ByteBuffer.allocate(16).putLong(partitionKey).putLong(value).array();
    }

    private static byte[] prefixStart(long partitionKey) {
        return ByteBuffer.allocate(8).putLong(partitionKey).array();
    }

    private static byte[] timestampKey(long partitionKey, long timestamp) {
        return key(partitionKey, timestamp ^ Long.MIN_VALUE);
    }

    private static boolean hasPrefix(byte[] key, long partitionKey) {
        return key.length == 16 && ByteBuffer.wrap(key).getLong(0) == partitionKey;
    }

    private static long suffix(byte[] key) {
        return ByteBuffer.wrap(key).getLong(8);
    }

    private static byte[] offsetValue(long segmentBaseOffset, int position, int size, int lastOffsetDelta) {
        return ByteBuffer.allocate(OFFSET_VALUE_SIZE).putLong(segmentBaseOffset).putInt(position).putInt(size)
                .putInt(lastOffsetDelta).array();
    }

    private static Location location(byte[] key, byte[] value) {
        if (value.length != OFFSET_VALUE_SIZE) {
            throw new LogStorageException("offset index entry has " + value.length + " bytes, expected " + OFFSET_VALUE_SIZE);
        }
        ByteBuffer v = ByteBuffer.wrap(value);
        long base = suffix(key);
        long segment = v.getLong();
        int position = v.getInt();
        int size = v.getInt();
        int delta = v.getInt();
        return new Location(base, base + delta, segment, position, size);
    }

    // ---- writes ----

    /** Collects the entries of one append (or one recovery scan) to write atomically. */
    final class Batch implements AutoCloseable {
        private final WriteBatch batch = new WriteBatch();
        private final long partitionKey;

        private Batch(long partitionKey) {
            this.partitionKey = partitionKey;
        }

        void putOffset(long baseOffset, long lastOffset, long segmentBaseOffset, int position, int size) {
            try {
                batch.put(offsets, key(partitionKey, baseOffset),
                        offsetValue(segmentBaseOffset, position, size, Math.toIntExact(lastOffset - baseOffset)));
            } catch (RocksDBException e) {
                throw new LogStorageException("cannot stage offset index entry", e);
            }
        }

        void putTimestamp(long maxTimestamp, long offset) {
            try {
                batch.put(timestamps, timestampKey(partitionKey, maxTimestamp), ByteBuffer.allocate(8).putLong(offset).array());
            } catch (RocksDBException e) {
                throw new LogStorageException("cannot stage timestamp index entry", e);
            }
        }

        /** Stages removing the offset entries of batches based in [fromBaseOffset, toBaseOffset). */
        void deleteOffsets(long fromBaseOffset, long toBaseOffset) {
            try {
                batch.deleteRange(offsets, key(partitionKey, fromBaseOffset), key(partitionKey, toBaseOffset));
            } catch (RocksDBException e) {
                throw new LogStorageException("cannot stage offset index deletion", e);
            }
        }

        void commit() {
            try {
                db.write(writeOptions, batch);
            } catch (RocksDBException e) {
                throw new LogStorageException("cannot write the log index at " + dir, e);
            }
        }

        /** Commits synced: for entries that must match a file already replaced on disk. */
        void commitDurably() {
            try (WriteOptions synced = new WriteOptions().setSync(true)) {
                db.write(synced, batch);
            } catch (RocksDBException e) {
                throw new LogStorageException("cannot write the log index at " + dir, e);
            }
        }

        @Override
        public void close() {
            batch.close();
        }
    }

    Batch newBatch(long partitionKey) {
        return new Batch(partitionKey);
    }

    void putRecoveryPoint(long partitionKey, long offset) {
        try {
            db.put(meta, writeOptions, recoveryPointKey(partitionKey), ByteBuffer.allocate(8).putLong(offset).array());
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot write the recovery point to the log index at " + dir, e);
        }
    }

    /** The offset below which the partition was fsynced when last recorded, or -1. */
    long recoveryPoint(long partitionKey) {
        try {
            byte[] value = db.get(meta, readOptions, recoveryPointKey(partitionKey));
            return value == null || value.length != 8 ? -1L : ByteBuffer.wrap(value).getLong();
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot read the log index at " + dir, e);
        }
    }

    private static byte[] recoveryPointKey(long partitionKey) {
        return metaKey(partitionKey, RECOVERY_POINT_TAG);
    }

    private static byte[] metaKey(long partitionKey, byte[] tag) {
        return ByteBuffer.allocate(8 + tag.length).putLong(partitionKey).put(tag).array();
    }

    /**
     * Records many replicas' high watermarks in one write, synced: once it returns, a power loss
     * cannot take them back (a restarted leader starting from an older one would show clients a
     * high watermark that went back, issue 9 hole 8).
     */
    void putHighWatermarksDurably(Map<Long, Long> highWatermarks) {
        try (WriteBatch batch = new WriteBatch(); WriteOptions synced = new WriteOptions().setSync(true)) {
            for (Map.Entry<Long, Long> e : highWatermarks.entrySet()) {
                batch.put(meta, metaKey(e.getKey(), HIGH_WATERMARK_TAG), ByteBuffer.allocate(8).putLong(e.getValue()).array());
            }
            db.write(synced, batch);
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot write high watermarks to the log index at " + dir, e);
        }
    }

    /** Records the replica's high watermark, unsynced (a truncation's lowered value; the next checkpoint syncs). */
    void putHighWatermark(long partitionKey, long highWatermark) {
        try {
            db.put(meta, writeOptions, metaKey(partitionKey, HIGH_WATERMARK_TAG),
                    ByteBuffer.allocate(8).putLong(highWatermark).array());
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot write the high watermark to the log index at " + dir, e);
        }
    }

    /**
     * Records the partition's log start offset, synced: written before the segments below it are
     * deleted, so that after a crash the deleted prefix never comes back (it would be served again,
     * and replicas would disagree on where the log starts).
     */
    void putLogStartOffsetDurably(long partitionKey, long logStartOffset) {
        try (WriteOptions synced = new WriteOptions().setSync(true)) {
            db.put(meta, synced, metaKey(partitionKey, LOG_START_OFFSET_TAG),
                    ByteBuffer.allocate(8).putLong(logStartOffset).array());
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot write the log start offset to the log index at " + dir, e);
        }
    }

    /** The last recorded log start offset, or -1 when none was (the first segment's base offset counts). */
    long logStartOffset(long partitionKey) {
        try {
            byte[] value = db.get(meta, readOptions, metaKey(partitionKey, LOG_START_OFFSET_TAG));
            return value == null || value.length != 8 ? -1L : ByteBuffer.wrap(value).getLong();
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot read the log index at " + dir, e);
        }
    }

    /**
     * Stores a replica state snapshot taken at {@code endOffset} (opaque to the index), unsynced
     * like the index entries: one lost in a power loss only makes the next start scan more. Keeps
     * the newest {@link #STATE_SNAPSHOTS_KEPT}.
     */
    void putStateSnapshot(long partitionKey, long endOffset, byte[] snapshot) {
        try (WriteBatch batch = new WriteBatch()) {
            batch.put(meta, stateSnapshotKey(partitionKey, endOffset), snapshot);
            List<byte[]> older = stateSnapshotKeysAtOrBelow(partitionKey, endOffset - 1);
            for (int i = STATE_SNAPSHOTS_KEPT - 1; i < older.size(); i++) {
                batch.delete(meta, older.get(i));
            }
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot write a replica state snapshot to the log index at " + dir, e);
        }
    }

    /** The stored replica state snapshots taken at or below {@code offset}, newest first. */
    List<byte[]> stateSnapshotsAtOrBelow(long partitionKey, long offset) {
        List<byte[]> out = new ArrayList<>();
        try {
            for (byte[] key : stateSnapshotKeysAtOrBelow(partitionKey, offset)) {
                byte[] value = db.get(meta, readOptions, key);
                if (value != null) {
                    out.add(value);
                }
            }
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot read the log index at " + dir, e);
        }
        return out;
    }

    /** Deletes every replica state snapshot of the partition, synced: the next start scans the whole log. */
    void deleteStateSnapshotsDurably(long partitionKey) {
        try (WriteBatch batch = new WriteBatch(); WriteOptions synced = new WriteOptions().setSync(true)) {
            for (byte[] key : stateSnapshotKeysAtOrBelow(partitionKey, Long.MAX_VALUE)) {
                batch.delete(meta, key);
            }
            db.write(synced, batch);
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot delete replica state snapshots from the log index at " + dir, e);
        }
    }

    private List<byte[]> stateSnapshotKeysAtOrBelow(long partitionKey, long offset) {
        List<byte[]> keys = new ArrayList<>();
        if (offset < 0) {
            return keys;
        }
        byte[] prefix = metaKey(partitionKey, STATE_SNAPSHOT_TAG);
        try (RocksIterator it = db.newIterator(meta, readOptions)) {
            it.seekForPrev(stateSnapshotKey(partitionKey, offset));
            while (it.isValid() && it.key().length == prefix.length + 8
                    && Arrays.equals(it.key(), 0, prefix.length, prefix, 0, prefix.length)) {
                keys.add(it.key());
                it.prev();
            }
            checkIterator(it);
        }
        return keys;
    }

    private static byte[] stateSnapshotKey(long partitionKey, long endOffset) {
        return ByteBuffer.allocate(8 + STATE_SNAPSHOT_TAG.length + 8).putLong(partitionKey).put(STATE_SNAPSHOT_TAG)
                .putLong(endOffset).array();
    }

    /** The last recorded high watermark, or 0. */
    long highWatermark(long partitionKey) {
        try {
            byte[] value = db.get(meta, readOptions, metaKey(partitionKey, HIGH_WATERMARK_TAG));
            return value == null || value.length != 8 ? 0L : ByteBuffer.wrap(value).getLong();
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot read the log index at " + dir, e);
        }
    }

    // ---- reads ----

    /** The batch with the greatest base offset {@code <= offset}, or null. */
    Location floor(long partitionKey, long offset) {
        if (offset < 0) {
            return null;
        }
        try (RocksIterator it = db.newIterator(offsets, readOptions)) {
            it.seekForPrev(key(partitionKey, offset));
            if (!it.isValid()) {
                checkIterator(it);
                return null;
            }
            byte[] k = it.key();
            return hasPrefix(k, partitionKey) ? location(k, it.value()) : null;
        }
    }

    /** The batch with the least base offset {@code >= offset}, or null. */
    Location ceiling(long partitionKey, long offset) {
        try (RocksIterator it = db.newIterator(offsets, readOptions)) {
            it.seek(key(partitionKey, Math.max(offset, 0)));
            if (!it.isValid()) {
                checkIterator(it);
                return null;
            }
            byte[] k = it.key();
            return hasPrefix(k, partitionKey) ? location(k, it.value()) : null;
        }
    }

    /** The batch with exactly this base offset, or null. */
    Location get(long partitionKey, long baseOffset) {
        try {
            byte[] value = db.get(offsets, readOptions, key(partitionKey, baseOffset));
            return value == null ? null : location(key(partitionKey, baseOffset), value);
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot read the log index at " + dir, e);
        }
    }

    /** The base offset of the first batch whose running max timestamp is {@code >= timestampMs}, or -1. */
    long offsetForTimestamp(long partitionKey, long timestampMs) {
        try (RocksIterator it = db.newIterator(timestamps, readOptions)) {
            it.seek(timestampKey(partitionKey, timestampMs));
            if (!it.isValid()) {
                checkIterator(it);
                return -1L;
            }
            return hasPrefix(it.key(), partitionKey) ? ByteBuffer.wrap(it.value()).getLong() : -1L;
        }
    }

    /** The partition's last timestamps entry (its running max timestamp), or null. */
    TimestampEntry lastTimestamp(long partitionKey) {
        try (RocksIterator it = db.newIterator(timestamps, readOptions)) {
            it.seekForPrev(key(partitionKey, -1L)); // 0xFF..: the end of the prefix
            if (!it.isValid()) {
                checkIterator(it);
                return null;
            }
            byte[] k = it.key();
            if (!hasPrefix(k, partitionKey)) {
                return null;
            }
            return new TimestampEntry(suffix(k) ^ Long.MIN_VALUE, ByteBuffer.wrap(it.value()).getLong());
        }
    }

    private static void checkIterator(RocksIterator it) {
        try {
            it.status();
        } catch (RocksDBException e) {
            throw new LogStorageException("log index iteration failed", e);
        }
    }

    // ---- deletes ----

    /** Removes every offsets and timestamps entry of the partition at or above {@code offset}. */
    void truncateFrom(long partitionKey, long offset) {
        try {
            deleteRangeIfAny(offsets, key(partitionKey, Math.max(offset, 0)), prefixStart(partitionKey + 1));
            // Timestamps entries grow with offsets: walk back from the last while they point at or past `offset`.
            try (RocksIterator it = db.newIterator(timestamps, readOptions);
                 WriteBatch deletes = new WriteBatch()) {
                it.seekForPrev(key(partitionKey, -1L));
                while (it.isValid() && hasPrefix(it.key(), partitionKey) && ByteBuffer.wrap(it.value()).getLong() >= offset) {
                    deletes.delete(timestamps, it.key());
                    it.prev();
                }
                checkIterator(it);
                db.write(writeOptions, deletes);
            }
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot truncate the log index at " + dir, e);
        }
    }

    /**
     * Removes the entries of batches below {@code keptBaseOffset} (the first batch the log still
     * holds). The last timestamps entry below it is moved to it rather than removed: the kept
     * batches' running max timestamp is at least that entry's, and a lookup of an older timestamp
     * must still find the first kept batch.
     */
    void deleteBelow(long partitionKey, long keptBaseOffset) {
        try {
            deleteRangeIfAny(offsets, prefixStart(partitionKey), key(partitionKey, Math.max(keptBaseOffset, 0)));
            byte[] lastBelow = null;
            try (RocksIterator it = db.newIterator(timestamps, readOptions)) {
                it.seek(prefixStart(partitionKey));
                while (it.isValid() && hasPrefix(it.key(), partitionKey) && ByteBuffer.wrap(it.value()).getLong() < keptBaseOffset) {
                    lastBelow = it.key();
                    it.next();
                }
                checkIterator(it);
            }
            if (lastBelow != null) {
                try (WriteBatch batch = new WriteBatch()) {
                    batch.deleteRange(timestamps, prefixStart(partitionKey), lastBelow);
                    batch.put(timestamps, lastBelow, ByteBuffer.allocate(8).putLong(keptBaseOffset).array());
                    db.write(writeOptions, batch);
                }
            }
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot delete old entries from the log index at " + dir, e);
        }
    }

    /** Removes everything the index holds for the partition. */
    void deletePartition(long partitionKey) {
        deleteKeyRange(partitionKey, partitionKey + 1);
    }

    /** Removes entries of every partition key not in {@code keep} (left over by a crash during delete). */
    void retainOnly(SortedSet<Long> keep) {
        long from = 0;
        for (long k : keep) {
            if (k > from) {
                deleteKeyRange(from, k);
            }
            from = k + 1;
        }
        deleteKeyRange(from, Long.MAX_VALUE);
    }

    /**
     * A range delete only when the range holds a key: every range tombstone in a memtable slows each
     * later read of it, and start-up (every partition's recovery) and topic creation (every new
     * partition's key) would otherwise leave one per partition. With 10,000 partitions opening the
     * logs took a minute.
     */
    private void deleteRangeIfAny(ColumnFamilyHandle cf, byte[] begin, byte[] end) throws RocksDBException {
        try (RocksIterator it = db.newIterator(cf, readOptions)) {
            it.seek(begin);
            boolean any = it.isValid() && java.util.Arrays.compareUnsigned(it.key(), end) < 0;
            checkIterator(it);
            if (any) {
                db.deleteRange(cf, writeOptions, begin, end);
            }
        }
    }

    private void deleteKeyRange(long fromKey, long toKeyExclusive) {
        byte[] begin = prefixStart(fromKey);
        byte[] end = toKeyExclusive == Long.MAX_VALUE ? new byte[]{(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF} : prefixStart(toKeyExclusive);
        try {
            for (ColumnFamilyHandle cf : List.of(meta, offsets, timestamps)) {
                deleteRangeIfAny(cf, begin, end);
            }
        } catch (RocksDBException e) {
            throw new LogStorageException("cannot delete from the log index at " + dir, e);
        }
    }

    @Override
    public void close() {
        writeOptions.close();
        readOptions.close();
        try {
            db.flushWal(true);
        } catch (RocksDBException e) {
            log.warn("cannot flush the log index WAL at {}: {}", dir, e.getMessage());
        }
        for (ColumnFamilyHandle handle : handles) {
            handle.close();
        }
        db.close();
        dbOptions.close();
        cfOptions.close();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new LogStorageException("cannot delete the corrupt log index at " + dir, e);
        }
    }
}
