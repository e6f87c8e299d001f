package io.tributary.broker.log;

import io.tributary.broker.delayed.DelayedOperations;
import io.tributary.proto.TopicNames;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The node's partition logs under one log directory (layout in {@code package-info}): opens and
 * recovers them, replays the {@link Journal} over them, creates and deletes them, and runs the
 * group-commit flusher and the checkpointer.
 *
 * <p>Group commit: {@link #awaitDurable} registers a waiter on the log and marks it dirty. One daemon
 * thread takes all dirty logs per round, notes where each ends, fsyncs the journal once and completes
 * the waiters each log's {@link PartitionLog#durableEndOffset()} now covers: one fsync per round
 * however many partitions it holds. Appends that arrive during an fsync go into the next round. The
 * same thread makes {@link FlushPolicy#INTERVAL} logs durable every {@code flushIntervalMs}. Futures
 * complete on the flusher thread: dependent stages must not block (use the async variants to hand
 * off heavy work).
 *
 * <p>Checkpoints: a second thread rotates the journal once it holds {@link Checkpoints#journalBytes}
 * or {@link Checkpoints#intervalMs} has passed, fsyncs every log's segments (recording their recovery
 * points) and deletes the rotated files. That bounds both the journal and what recovery scans.
 */
public final class LogManager implements AutoCloseable {
    static final String INDEX_DIR = "index";
    static final String LOCK_FILE = ".lock";
    static final String DELETE_SUFFIX = "-delete";
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);

    private final Path logDir;
    private final LogIndex index;
    private final SegmentFiles segmentFiles;
    private final FileChannel lockChannel;
    private final FileLock dirLock;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private final FsyncStats fsyncs = new FsyncStats();
    private final Consumer<PartitionLog> beforeFlushHook;
    private final Object createLock = new Object();
    private long nextIndexKey;

    private final ReentrantLock flusherLock = new ReentrantLock();
    private final Condition flusherWakeup = flusherLock.newCondition();
    /** Logs with waiters, guarded by flusherLock. */
    private Set<PartitionLog> dirty = new LinkedHashSet<>();
    private boolean closing; // guarded by flusherLock
    /** The earliest interval-flush deadline the last scan found; Long.MAX_VALUE for none (flusher thread). */
    private long cachedIntervalDeadlineNanos = Long.MAX_VALUE;
    private volatile boolean rescanIntervals = true;
    private final Thread flusher;
    private final Condition checkpointWakeup = flusherLock.newCondition();
    private final Thread checkpointer;
    private final Checkpoints checkpoints;
    private final Journal journal;
    private volatile boolean closed;
    /** The node's one registry of parked requests; the logs park their fsync waiters in it. */
    private final DelayedOperations delayed;
    private final CompletableFuture<String> storageFailure = new CompletableFuture<>();

    /**
     * When the checkpointer fsyncs the segments and deletes the journal files they make redundant:
     * once the journal holds {@code journalBytes} (it bounds what a restart replays and scans), or
     * {@code intervalMs} after the last checkpoint when anything was written since (it bounds how long
     * compaction, which only rewrites fsynced segments, waits).
     */
    /** How many idle segment files a node keeps open by default (log.segment.files.open.max). */
    public static final int DEFAULT_MAX_OPEN_SEGMENT_FILES = 4096;

    public record Checkpoints(long journalBytes, long intervalMs) {
        public static final Checkpoints DEFAULT = new Checkpoints(64L << 20, 60_000);

        public Checkpoints {
            if (journalBytes < 1 || intervalMs < 1) {
                throw new IllegalArgumentException("checkpoint journal bytes and interval must be >= 1, got "
                        + journalBytes + " and " + intervalMs);
            }
        }
    }

    private LogManager(Path logDir, LogIndex index, FileChannel lockChannel, FileLock dirLock,
                       Consumer<PartitionLog> beforeFlushHook, Checkpoints checkpoints, Journal.FileOpener journalFiles,
                       SegmentFiles segmentFiles) {
        this.logDir = logDir;
        this.index = index;
        this.segmentFiles = segmentFiles;
        this.lockChannel = lockChannel;
        this.dirLock = dirLock;
        this.beforeFlushHook = beforeFlushHook;
        this.checkpoints = checkpoints;
        this.delayed = new DelayedOperations();
        this.journal = Journal.open(logDir, journalFiles, fsyncs, this::reportStorageFailure);
        this.flusher = new Thread(this::runFlusher, "log-flusher-" + logDir.getFileName());
        this.flusher.setDaemon(true);
        this.checkpointer = new Thread(this::runCheckpointer, "log-checkpointer-" + logDir.getFileName());
        this.checkpointer.setDaemon(true);
    }

    /**
     * Opens (creating if absent) the node's log directory: one RocksDB instance at
     * {@code logDir/index} with a column family per index kind, recovers every partition directory,
     * finishes deletions a crash interrupted, and starts the flusher thread. Recovered logs have
     * {@link LogConfig#defaults()} until {@link #getOrCreate} gives them their topic's config.
     */
    /** Segment files open now: at most the bound, plus those in use this instant. */
    public int openSegmentFiles() {
        return segmentFiles.openFiles();
    }

    public static LogManager open(Path logDir) throws LogStorageException {
        return open(logDir, Checkpoints.DEFAULT);
    }

    public static LogManager open(Path logDir, Checkpoints checkpoints) throws LogStorageException {
        return open(logDir, log -> { }, checkpoints);
    }

    /**
     * As {@link #open(Path, Checkpoints)}, holding at most {@code maxOpenSegmentFiles} segment files
     * open (beyond those in use this instant): the least recently used idle ones are closed.
     */
    public static LogManager open(Path logDir, Checkpoints checkpoints, int maxOpenSegmentFiles) throws LogStorageException {
        return open(logDir, log -> { }, checkpoints, Journal.FileOpener.DEFAULT,
                new SegmentFiles(maxOpenSegmentFiles, SegmentFiles.Opener.DEFAULT));
    }

    /** As {@link #open(Path)}, with a hook the flusher calls for each log of a round before the fsync (tests). */
    static LogManager open(Path logDir, Consumer<PartitionLog> beforeFlushHook) throws LogStorageException {
        return open(logDir, beforeFlushHook, Checkpoints.DEFAULT);
    }

    static LogManager open(Path logDir, Consumer<PartitionLog> beforeFlushHook, Checkpoints checkpoints)
            throws LogStorageException {
        return open(logDir, beforeFlushHook, checkpoints, Journal.FileOpener.DEFAULT, defaultSegmentFiles());
    }

    /** As {@link #open(Path)}, with the journal's files opened by {@code journalFiles} (tests inject disk faults). */
    static LogManager openWithJournalFiles(Path logDir, Journal.FileOpener journalFiles) throws LogStorageException {
        return open(logDir, log -> { }, Checkpoints.DEFAULT, journalFiles, defaultSegmentFiles());
    }

    /** As {@link #open(Path)}, with the segment files opened by {@code segmentFiles} (tests inject disk faults). */
    static LogManager openWithSegmentFiles(Path logDir, SegmentFiles.Opener segmentFiles) throws LogStorageException {
        return open(logDir, log -> { }, Checkpoints.DEFAULT, Journal.FileOpener.DEFAULT,
                new SegmentFiles(DEFAULT_MAX_OPEN_SEGMENT_FILES, segmentFiles));
    }

    private static SegmentFiles defaultSegmentFiles() {
        return new SegmentFiles(DEFAULT_MAX_OPEN_SEGMENT_FILES, SegmentFiles.Opener.DEFAULT);
    }

    private static LogManager open(Path logDir, Consumer<PartitionLog> beforeFlushHook, Checkpoints checkpoints,
                                   Journal.FileOpener journalFiles, SegmentFiles segmentFiles) throws LogStorageException {
        FileChannel lockChannel = null;
        FileLock dirLock;
        try {
            Files.createDirectories(logDir);
            lockChannel = FileChannel.open(logDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            dirLock = lockChannel.tryLock();
            if (dirLock == null) {
                throw new LogStorageException("log directory " + logDir + " is in use by another process");
            }
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(lockChannel);
            throw new LogStorageException("cannot lock log directory " + logDir
                    + (e instanceof OverlappingFileLockException ? ": it is already open in this JVM" : ""), e);
        } catch (LogStorageException e) {
            closeQuietly(lockChannel);
            throw e;
        }
        LogIndex index;
        try {
            index = LogIndex.open(logDir.resolve(INDEX_DIR));
        } catch (RuntimeException e) {
            closeQuietly(lockChannel);
            throw e;
        }
        LogManager manager;
        try {
            manager = new LogManager(logDir, index, lockChannel, dirLock, beforeFlushHook, checkpoints, journalFiles,
                    segmentFiles);
        } catch (RuntimeException e) {
            index.close();
            closeQuietly(lockChannel);
            throw e;
        }
        try {
            manager.loadLogs();
            manager.replayJournal();
        } catch (RuntimeException e) {
            manager.closeAfterFailedOpen();
            throw e;
        }
        manager.flusher.start();
        manager.checkpointer.start();
        return manager;
    }

    /**
     * Replays what the journal files hold over the recovered logs, fsyncs the logs it changed (the
     * others' recovered tails were fsynced by recovery) and deletes the files.
     */
    private void replayJournal() {
        if (!journal.hasFilesToReplay()) {
            return;
        }
        Map<Long, PartitionLog> byKey = new java.util.HashMap<>();
        logs.values().forEach(partitionLog -> byKey.put(partitionLog.partitionKey(), partitionLog));
        for (PartitionLog changed : JournalReplay.replay(journal, byKey)) {
            changed.flush();
        }
        journal.deleteReplayed();
    }

    private void loadLogs() {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(logDir, Files::isDirectory)) {
            entries.forEach(dirs::add);
        } catch (IOException e) {
            throw new LogStorageException("cannot list log directory " + logDir, e);
        }
        dirs.sort(Comparator.naturalOrder());
        TreeSet<Long> keys = new TreeSet<>();
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            if (name.equals(INDEX_DIR) || name.equals(Journal.DIR_NAME)) {
                continue;
            }
            if (name.endsWith(DELETE_SUFFIX)) {
                log.info("finishing the deletion of {}", dir);
                deleteRecursively(dir);
                continue;
            }
            TopicPartition tp = parseDirName(name);
            if (tp == null) {
                log.warn("ignoring {}: not a <topic>-<partition> directory", dir);
                continue;
            }
            if (!PartitionMetadata.exists(dir)) {
                if (hasSegments(dir)) {
                    log.warn("ignoring {}: it holds segments but no {}", dir, PartitionMetadata.FILE_NAME);
                } else {
                    log.info("deleting {}: its creation was interrupted", dir);
                    deleteRecursively(dir);
                }
                continue;
            }
            PartitionMetadata metadata = PartitionMetadata.read(dir);
            if (!keys.add(metadata.indexKey())) {
                throw new LogStorageException(dir + " has index key " + metadata.indexKey() + " which another partition uses");
            }
            PartitionLog partitionLog = PartitionLog.open(tp, metadata.topicId(), dir, metadata.indexKey(), index,
                    segmentFiles, LogConfig.defaults(), fsyncs, journal, this::wakeFlusher, delayed, this::reportStorageFailure);
            logs.put(tp, partitionLog);
        }
        index.retainOnly(keys);
        nextIndexKey = keys.isEmpty() ? 1 : keys.last() + 1;
    }

    static TopicPartition parseDirName(String name) {
        int dash = name.lastIndexOf('-');
        if (dash <= 0 || dash == name.length() - 1) {
            return null;
        }
        String topic = name.substring(0, dash);
        try {
            int partition = Integer.parseInt(name.substring(dash + 1));
            if (partition < 0 || TopicNames.validationError(topic) != null
                    || !name.substring(dash + 1).equals(Integer.toString(partition))) {
                return null;
            }
            return new TopicPartition(topic, partition);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean hasSegments(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> Segment.parseBaseOffset(f.getFileName().toString()) >= 0);
        } catch (IOException e) {
            throw new LogStorageException("cannot list " + dir, e);
        }
    }

    /**
     * Returns the open log with its config set to {@code config}, or creates the directory
     * {@code <topic>-<partition>} with a partition.metadata file holding {@code topicId}. A log of the
     * same name with another topic id (the topic was deleted and re-created) is deleted first.
     */
    public PartitionLog getOrCreate(TopicPartition tp, String topicId, LogConfig config) throws LogStorageException {
        Objects.requireNonNull(tp, "tp");
        Objects.requireNonNull(config, "config");
        if (topicId == null || topicId.isBlank() || topicId.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException("topic id '" + topicId + "' must be non-empty printable ASCII");
        }
        String nameError = TopicNames.validationError(tp.topic());
        if (nameError != null || tp.partition() < 0) {
            throw new IllegalArgumentException(nameError != null ? nameError : "partition " + tp.partition() + " is negative");
        }
        synchronized (createLock) {
            ensureOpen();
            PartitionLog existing = logs.get(tp);
            if (existing != null) {
                if (existing.topicId().equals(topicId)) {
                    existing.updateConfig(config);
                    return existing;
                }
                log.info("{} belongs to topic id {}, not {}: deleting the old log", tp, existing.topicId(), topicId);
                delete(tp);
            }
            Path dir = logDir.resolve(tp.topic() + "-" + tp.partition());
            if (Files.exists(dir)) {
                throw new LogStorageException(dir + " exists but was not loaded as a log (see the warning at open)");
            }
            long key = nextIndexKey++;
            try {
                Files.createDirectory(dir);
                new PartitionMetadata(topicId, key).write(dir);
                Segment.fsyncDirectory(logDir);
            } catch (IOException e) {
                throw new LogStorageException("cannot create " + dir, e);
            }
            index.deletePartition(key);
            PartitionLog created = PartitionLog.open(tp, topicId, dir, key, index, segmentFiles, config, fsyncs, journal,
                    this::wakeFlusher, delayed, this::reportStorageFailure);
            logs.put(tp, created);
            wakeFlusher();
            return created;
        }
    }

    public Optional<PartitionLog> get(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    public Collection<PartitionLog> logs() {
        return List.copyOf(logs.values());
    }

    /** Closes the log (its pending waiters fail), deletes its files and its index entries. */
    public void delete(TopicPartition tp) throws LogStorageException {
        synchronized (createLock) {
            PartitionLog removed = logs.remove(tp);
            if (removed == null) {
                return;
            }
            flusherLock.lock();
            try {
                dirty.remove(removed);
            } finally {
                flusherLock.unlock();
            }
            removed.close("was deleted");
            Path dir = removed.dir();
            Path doomed = dir.resolveSibling(dir.getFileName() + "." + UUID.randomUUID().toString().replace("-", "") + DELETE_SUFFIX);
            try {
                Files.move(dir, doomed);
                Segment.fsyncDirectory(logDir);
            } catch (IOException e) {
                throw new LogStorageException("cannot rename " + dir + " for deletion", e);
            }
            index.deletePartition(removed.partitionKey());
            delayed.forget(tp);
            deleteRecursively(doomed);
        }
    }

    /**
     * Completes when every byte appended to {@code log} below {@code endOffset} is fsynced, or
     * exceptionally with {@link LogStorageException} when the fsync fails or the log is truncated
     * below it, deleted or closed first.
     */
    public CompletableFuture<Void> awaitDurable(PartitionLog log, long endOffset) {
        if (endOffset <= log.durableEndOffset()) {
            return CompletableFuture.completedFuture(null);
        }
        Optional<CompletableFuture<ErrorCode>> parked = log.awaitDurable(endOffset);
        if (parked.isEmpty()) {
            return CompletableFuture.failedFuture(new LogStorageException(log.topicPartition() + " is closed or offline"));
        }
        CompletableFuture<Void> future = parked.get().thenCompose(code -> code == ErrorCode.NONE
                ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(new LogStorageException(log.topicPartition() + ": offsets below "
                        + endOffset + " did not become durable: " + log.lastWaiterFailure())));
        flusherLock.lock();
        try {
            if (closing) {
                log.failWaitersAbove(Long.MIN_VALUE, new LogStorageException("the log manager is closed"));
            } else {
                dirty.add(log);
                flusherWakeup.signal();
            }
        } finally {
            flusherLock.unlock();
        }
        return future;
    }

    /**
     * Completes with the first disk failure any log met (a write, fsync or truncation that failed):
     * the node's one log directory is failing, and its owner must stop leading from it (Kafka halts a
     * broker whose only log directory failed).
     */
    public CompletableFuture<String> storageFailure() {
        return storageFailure;
    }

    private void reportStorageFailure(String reason) {
        if (storageFailure.complete(reason)) {
            log.error("Storage failure in log directory {}: {}", logDir, reason);
        }
    }

    /**
     * Writes these replicas' high watermark checkpoints (values from {@link
     * PartitionLog#highWatermarkToCheckpoint}) in one synced write: one fsync per round, whatever the
     * number of partitions.
     */
    public void checkpointHighWatermarks(Map<PartitionLog, Long> checkpoints) {
        if (checkpoints.isEmpty()) {
            return;
        }
        Map<Long, Long> byKey = new java.util.HashMap<>();
        checkpoints.forEach((partitionLog, hw) -> byKey.put(partitionLog.partitionKey(), hw));
        index.putHighWatermarksDurably(byKey);
    }

    /** The node's registry of requests parked until an offset is reached (see {@link DelayedOperations}). */
    public DelayedOperations delayedOperations() {
        return delayed;
    }

    /** Number of fsyncs of segment files since open (for tests). */
    public long fsyncCount() {
        return fsyncs.count();
    }

    /** The segment fsyncs of these logs: their count and each one's duration (metrics). */
    public FsyncStats fsyncStats() {
        return fsyncs;
    }

    private void wakeFlusher() {
        rescanIntervals = true; // a log was created or reconfigured
        flusherLock.lock();
        try {
            flusherWakeup.signal();
        } finally {
            flusherLock.unlock();
        }
    }

    private void runFlusher() {
        while (true) {
            Set<PartitionLog> round;
            flusherLock.lock();
            try {
                while (!closing && dirty.isEmpty()) {
                    long deadline = intervalDeadlineNanos(System.nanoTime());
                    if (deadline == Long.MAX_VALUE) {
                        flusherWakeup.awaitUninterruptibly();
                    } else {
                        long waitNanos = deadline - System.nanoTime();
                        if (waitNanos <= 0) {
                            break;
                        }
                        flusherWakeup.awaitNanos(waitNanos);
                    }
                }
                if (closing) {
                    return; // close() flushes what is left
                }
                round = dirty;
                dirty = new LinkedHashSet<>();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                flusherLock.unlock();
            }
            long now = System.nanoTime();
            long intervalDeadline = intervalDeadlineNanos(now);
            if (intervalDeadline != Long.MAX_VALUE && intervalDeadline - now <= 0) {
                for (PartitionLog partitionLog : logs.values()) {
                    long deadline = partitionLog.intervalFlushDeadlineNanos(now);
                    if (deadline != Long.MAX_VALUE && deadline - now <= 0) {
                        round.add(partitionLog);
                    }
                }
                rescanIntervals = true; // their deadlines moved with this round
            }
            flushRound(round);
            if (journal.bytesSinceRotation() >= checkpoints.journalBytes()) {
                flusherLock.lock();
                try {
                    checkpointWakeup.signal();
                } finally {
                    flusherLock.unlock();
                }
            }
        }
    }

    /**
     * One group commit: notes where each log ends, fsyncs the journal once, then makes those ends
     * durable and completes the waiters they cover. If the fsync fails, every waiter of the round
     * fails and the journal is unusable from then on (never retried on the same file).
     */
    private void flushRound(Collection<PartitionLog> round) {
        List<PartitionLog> live = new ArrayList<>(round.size());
        List<PartitionLog.DurabilityMark> marks = new ArrayList<>(round.size());
        for (PartitionLog partitionLog : round) {
            try {
                beforeFlushHook.accept(partitionLog);
                if (partitionLog.isClosedOrOffline()) {
                    partitionLog.failWaitersAbove(Long.MIN_VALUE, new LogStorageException(partitionLog.topicPartition()
                            + " is closed or offline"));
                    continue;
                }
                marks.add(partitionLog.durabilityMark());
                live.add(partitionLog);
            } catch (RuntimeException e) {
                failWaiters(partitionLog, e);
            }
        }
        if (live.isEmpty()) {
            return;
        }
        try {
            journal.force();
        } catch (RuntimeException e) {
            live.forEach(partitionLog -> failWaiters(partitionLog, e));
            return;
        }
        for (int i = 0; i < live.size(); i++) {
            live.get(i).markDurable(marks.get(i));
            live.get(i).completeDurableWaiters();
        }
    }

    private static void failWaiters(PartitionLog partitionLog, RuntimeException e) {
        if (!partitionLog.isClosedOrOffline()) {
            log.error("flush of {} failed", partitionLog.topicPartition(), e);
        }
        partitionLog.failWaitersAbove(Long.MIN_VALUE, e instanceof LogStorageException ? e
                : new LogStorageException("flush of " + partitionLog.topicPartition() + " failed", e));
    }

    private void runCheckpointer() {
        long lastCheckpointNanos = System.nanoTime();
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(checkpoints.intervalMs());
        while (true) {
            flusherLock.lock();
            try {
                while (!closing) {
                    long written = journal.bytesSinceRotation();
                    long waitNanos = lastCheckpointNanos + intervalNanos - System.nanoTime();
                    if (written >= checkpoints.journalBytes() || (written > 0 && waitNanos <= 0)) {
                        break;
                    }
                    checkpointWakeup.awaitNanos(waitNanos > 0 ? waitNanos : intervalNanos);
                }
                if (closing) {
                    return; // close() flushes every log
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                flusherLock.unlock();
            }
            try {
                checkpoint();
            } catch (RuntimeException e) {
                log.error("journal checkpoint of {} failed; the journal files stay until one succeeds", logDir, e);
            }
            lastCheckpointNanos = System.nanoTime();
        }
    }

    /**
     * Rotates the journal, fsyncs every log's segments up to where they end now and, when all of
     * them succeeded, deletes the rotated files: what they held is now in fsynced segments. An
     * offline log keeps them (its entries are replayed at the next start).
     */
    void checkpoint() {
        long sealedThrough = journal.rotate();
        boolean allFlushed = true;
        for (PartitionLog partitionLog : logs.values()) {
            if (partitionLog.isClosedOrOffline()) {
                allFlushed &= logs.get(partitionLog.topicPartition()) != partitionLog; // deleted meanwhile: nothing to keep
                continue;
            }
            try {
                partitionLog.flush();
            } catch (LogStorageException e) {
                allFlushed &= partitionLog.isClosedOrOffline() && logs.get(partitionLog.topicPartition()) != partitionLog;
                if (!partitionLog.isClosedOrOffline()) {
                    log.error("checkpoint flush of {} failed", partitionLog.topicPartition(), e);
                }
            }
        }
        if (allFlushed) {
            journal.deleteSealedThrough(sealedThrough);
        }
    }

    /**
     * The earliest {@link FlushPolicy#INTERVAL} deadline, from a scan of every log that is repeated
     * only when that deadline has come, a round flushed interval logs, or a log was created or
     * reconfigured: with thousands of partitions a scan per flush round cost more than the round. A
     * clean interval log counts from the scan, so it is flushed within two intervals at worst.
     */
    private long intervalDeadlineNanos(long nowNanos) {
        if (rescanIntervals || (cachedIntervalDeadlineNanos != Long.MAX_VALUE && cachedIntervalDeadlineNanos - nowNanos <= 0)) {
            rescanIntervals = false;
            long min = Long.MAX_VALUE;
            for (PartitionLog partitionLog : logs.values()) {
                long deadline = partitionLog.intervalFlushDeadlineNanos(nowNanos);
                if (deadline != Long.MAX_VALUE && (min == Long.MAX_VALUE || deadline - min < 0)) {
                    min = deadline;
                }
            }
            cachedIntervalDeadlineNanos = min;
        }
        return cachedIntervalDeadlineNanos;
    }

    /** Stops the flusher, flushes every log (completing its waiters), closes the files and RocksDB. */
    @Override
    public void close() throws LogStorageException {
        if (!stopThreads()) {
            return;
        }
        LogStorageException failure = null;
        synchronized (createLock) {
            closed = true;
            boolean allFlushed = true;
            for (PartitionLog partitionLog : logs.values()) {
                allFlushed &= !partitionLog.isClosedOrOffline();
                try {
                    if (!partitionLog.isClosedOrOffline()) {
                        partitionLog.flush();
                        partitionLog.completeDurableWaiters();
                    }
                } catch (LogStorageException e) {
                    failure = failure == null ? e : failure;
                }
                try {
                    partitionLog.close("was closed");
                } catch (LogStorageException e) {
                    failure = failure == null ? e : failure;
                }
            }
            logs.clear();
            journal.close(failure == null && allFlushed); // every log's segments are fsynced: nothing to replay
            index.close();
            delayed.close();
            releaseLock();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * For tests: stops the way a crash does. The threads stop and the files and RocksDB are closed,
     * but nothing is fsynced or checkpointed and the journal files stay for the next open.
     */
    void haltWithoutFlushing() {
        stopThreads();
        synchronized (createLock) {
            closed = true;
            logs.values().forEach(partitionLog -> partitionLog.close("was halted"));
            logs.clear();
            journal.close(false);
            index.close();
            delayed.close();
            releaseLock();
        }
    }

    /** Stops the flusher and the checkpointer (what is left is the caller's); false when already stopping. */
    private boolean stopThreads() {
        flusherLock.lock();
        try {
            if (closing) {
                return false;
            }
            closing = true;
            flusherWakeup.signal();
            checkpointWakeup.signal();
        } finally {
            flusherLock.unlock();
        }
        try {
            flusher.join(TimeUnit.SECONDS.toMillis(30));
            checkpointer.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    private void closeAfterFailedOpen() {
        for (PartitionLog partitionLog : logs.values()) {
            try {
                partitionLog.close("was closed");
            } catch (RuntimeException e) {
                log.warn("cannot close {} after a failed open", partitionLog.topicPartition(), e);
            }
        }
        journal.close();
        index.close();
        delayed.close();
        releaseLock();
    }

    private void releaseLock() {
        try {
            dirLock.release();
        } catch (IOException e) {
            log.warn("cannot release the lock of {}", logDir, e);
        }
        closeQuietly(lockChannel);
    }

    private void ensureOpen() {
        if (closed) {
            throw new LogStorageException("the log manager of " + logDir + " is closed");
        }
    }

    Path logDir() {
        return logDir;
    }

    /** For tests: the RocksDB index. */
    LogIndex index() {
        return index;
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new LogStorageException("cannot delete " + dir, e);
        }
    }
}
