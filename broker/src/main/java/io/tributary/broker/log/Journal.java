package io.tributary.broker.log;

import io.tributary.broker.log.JournalEntry.MalformedEntryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The node's write-ahead journal: every change to any partition log's tail is also appended here,
 * so that one fsync of this file makes a whole flush round durable, however many partitions it
 * touched. Without it a round costs one fsync per partition in sequence, and with 1,000 partitions
 * written at a low rate each that is hundreds of milliseconds per round (measured: 0.4 ms per
 * fdatasync here, 3 ms for one journal fsync of 1,000 appends).
 *
 * <p>Segment files are then fsynced only at a checkpoint ({@link LogManager}): the journal is
 * rotated, every log's segments are fsynced up to where they are (their recovery point is recorded),
 * and the rotated files are deleted. At open, the files a crash left are replayed over the recovered
 * logs ({@link JournalReplay}). Files are {@code journal/<sequence>.journal}; see {@link JournalEntry}
 * for the entry layout.
 *
 * <p>A failed write or fsync is never retried: the journal fails, every later use throws
 * {@link LogStorageException}, and the node is told its storage failed.
 */
final class Journal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    static final String DIR_NAME = "journal";
    private static final String SUFFIX = ".journal";

    /** Opens a new journal file for writing; tests pass one that fails like a full or failing disk. */
    @FunctionalInterface
    interface FileOpener {
        FileOpener DEFAULT = path -> FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

        FileChannel create(Path path) throws IOException;
    }

    /** Reads entries during replay. */
    @FunctionalInterface
    interface EntryVisitor {
        void accept(JournalEntry entry);
    }

    private record JournalFile(long sequence, Path path, FileChannel channel) {
    }

    private final Path dir;
    private final FileOpener opener;
    private final FsyncStats fsyncs;
    private final Consumer<String> storageFailureListener;
    /** Files found at open, oldest first: what a crash (or a clean close) left to replay. */
    private final List<Path> filesToReplay;
    /** Rotated files, kept until a checkpoint has fsynced the segments their entries went to. */
    private final Map<Long, JournalFile> sealed = new TreeMap<>(); // guarded by this
    private JournalFile current; // guarded by this
    /** The file an fsync covers: the current one (rotation fsyncs the file it seals). */
    private volatile JournalFile forceTarget;
    private volatile long bytesSinceRotation;
    private volatile String failure;

    private Journal(Path dir, FileOpener opener, FsyncStats fsyncs, Consumer<String> storageFailureListener,
                    List<Path> filesToReplay, JournalFile current) {
        this.dir = dir;
        this.opener = opener;
        this.fsyncs = fsyncs;
        this.storageFailureListener = storageFailureListener;
        this.filesToReplay = filesToReplay;
        this.current = current;
        this.forceTarget = current;
    }

    /** Opens {@code logDir/journal}: the files there are kept for {@link #replay}; new entries go to a new file. */
    static Journal open(Path logDir, FsyncStats fsyncs, Consumer<String> storageFailureListener) {
        return open(logDir, FileOpener.DEFAULT, fsyncs, storageFailureListener);
    }

    static Journal open(Path logDir, FileOpener opener, FsyncStats fsyncs, Consumer<String> storageFailureListener) {
        Path dir = logDir.resolve(DIR_NAME);
        TreeMap<Long, Path> found = new TreeMap<>();
        try {
            Files.createDirectories(dir);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
                for (Path file : files) {
                    long sequence = Segment.parseNumberedName(file.getFileName().toString(), SUFFIX);
                    if (sequence >= 0) {
                        found.put(sequence, file);
                    } else {
                        log.warn("ignoring {}: not a journal file name", file);
                    }
                }
            }
            long next = found.isEmpty() ? 0 : found.lastKey() + 1;
            return new Journal(dir, opener, fsyncs, storageFailureListener, new ArrayList<>(found.values()),
                    create(opener, dir, next));
        } catch (IOException e) {
            throw new LogStorageException("cannot open the journal in " + dir, e);
        }
    }

    private static JournalFile create(FileOpener opener, Path dir, long sequence) throws IOException {
        Path path = dir.resolve(Segment.numberedName(sequence, SUFFIX));
        FileChannel channel = opener.create(path);
        try {
            Segment.fsyncDirectory(dir);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new JournalFile(sequence, path, channel);
    }

    /** Appends {@code entry} (not yet durable: see {@link #force}). */
    synchronized void write(JournalEntry entry) {
        ensureUsable();
        ByteBuffer[] parts = {entry.header(), entry.batches().duplicate()};
        try {
            while (parts[0].hasRemaining() || parts[1].hasRemaining()) {
                current.channel().write(parts);
            }
        } catch (IOException e) {
            throw fail("cannot write to " + current.path(), e);
        }
        bytesSinceRotation += entry.sizeInBytes();
    }

    /** Makes every entry written before this call durable. Called by one thread at a time or concurrently: both are fine. */
    void force() {
        ensureUsable();
        JournalFile target = forceTarget;
        try {
            fsyncs.time(() -> target.channel().force(false));
        } catch (ClosedChannelException e) {
            if (target == forceTarget) {
                throw fail("the journal file " + target.path() + " was closed under an fsync", e);
            }
            // Rotated, fsynced and checkpointed meanwhile: what it held is durable in the segments.
        } catch (IOException e) {
            throw fail("fsync of " + target.path() + " failed", e);
        }
    }

    /** Bytes written since the last rotation: what a crash now would leave to replay. */
    long bytesSinceRotation() {
        return bytesSinceRotation;
    }

    /**
     * Starts a new file after fsyncing the current one, which is sealed. Returns the sequence of the
     * file sealed: once every segment written before this call is fsynced, {@link #deleteSealedThrough}
     * may delete it.
     */
    synchronized long rotate() {
        ensureUsable();
        JournalFile old = current;
        try {
            fsyncs.time(() -> old.channel().force(false));
            current = create(opener, dir, old.sequence() + 1);
        } catch (IOException e) {
            throw fail("cannot rotate the journal (sealing " + old.path() + ")", e);
        }
        sealed.put(old.sequence(), old);
        forceTarget = current;
        bytesSinceRotation = 0;
        return old.sequence();
    }

    /** Deletes the sealed files up to {@code sequence}: a checkpoint fsynced every segment they describe. */
    synchronized void deleteSealedThrough(long sequence) {
        List<Long> doomed = new ArrayList<>();
        sealed.keySet().stream().filter(s -> s <= sequence).forEach(doomed::add);
        try {
            for (long s : doomed) {
                JournalFile file = sealed.remove(s);
                file.channel().close();
                Files.deleteIfExists(file.path());
            }
            if (!doomed.isEmpty()) {
                Segment.fsyncDirectory(dir);
            }
        } catch (IOException e) {
            // A file left behind is replayed at the next open, which only costs time.
            log.warn("cannot delete checkpointed journal files in {}: {}", dir, e.toString());
        }
    }

    /** Reads the files found at open, oldest first, handing each whole entry to {@code visitor}. */
    void replay(EntryVisitor visitor) {
        for (Path file : filesToReplay) {
            read(file, visitor);
        }
    }

    boolean hasFilesToReplay() {
        return !filesToReplay.isEmpty();
    }

    /** Deletes the files found at open once their entries are replayed and the logs they touched fsynced. */
    synchronized void deleteReplayed() {
        try {
            for (Path file : filesToReplay) {
                Files.deleteIfExists(file);
            }
            Segment.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new LogStorageException("cannot delete replayed journal files in " + dir, e);
        }
        filesToReplay.clear();
    }

    /**
     * Reads {@code file} entry by entry. A torn or damaged entry ends the file: a crash can leave the
     * newest file's last entry half written, and nothing after an entry that fails its CRC can be
     * trusted (an fsync made none of it durable, so none of it was acknowledged).
     */
    static void read(Path file, EntryVisitor visitor) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long position = 0;
            ByteBuffer prefix = ByteBuffer.allocate(8);
            while (position < size) {
                try {
                    if (size - position < JournalEntry.HEADER_SIZE) {
                        throw new MalformedEntryException("a header of " + (size - position) + " bytes");
                    }
                    prefix.clear();
                    readFully(channel, prefix, position);
                    prefix.flip();
                    int length = JournalEntry.bodyLength(prefix);
                    if (size - position - 8 < length) {
                        throw new MalformedEntryException("an entry of " + length + " bytes with "
                                + (size - position - 8) + " left in the file");
                    }
                    ByteBuffer body = ByteBuffer.allocate(length);
                    readFully(channel, body, position + 8);
                    body.flip();
                    visitor.accept(JournalEntry.decode(prefix.getInt(4), body));
                    position += 8 + length;
                } catch (MalformedEntryException e) {
                    log.warn("{}: replay stops at byte {} of {}: {}", file, position, size, e.getMessage());
                    return;
                }
            }
        } catch (IOException e) {
            throw new LogStorageException("cannot read the journal file " + file, e);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + at);
            }
            at += n;
        }
    }

    /**
     * Closes the files. After a clean shutdown ({@code checkpointed}: every log's segments fsynced)
     * they are deleted, so the next open replays nothing.
     */
    @Override
    public synchronized void close() {
        close(false);
    }

    synchronized void close(boolean checkpointed) {
        List<JournalFile> all = new ArrayList<>(sealed.values());
        all.add(current);
        sealed.clear();
        for (JournalFile file : all) {
            try {
                file.channel().close();
                if (checkpointed && failure == null) {
                    Files.deleteIfExists(file.path());
                }
            } catch (IOException e) {
                log.warn("cannot close or delete {}: {}", file.path(), e.toString());
            }
        }
        if (checkpointed && failure == null) {
            for (Path file : filesToReplay) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    log.warn("cannot delete {}: {}", file, e.toString());
                }
            }
        }
        if (failure == null) {
            failure = "the journal is closed";
        }
    }

    private void ensureUsable() {
        String reason = failure;
        if (reason != null) {
            throw new LogStorageException("the journal in " + dir + " is unusable: " + reason);
        }
    }

    private LogStorageException fail(String what, IOException cause) {
        if (failure == null) {
            failure = what + ": " + cause.getMessage();
            storageFailureListener.accept("journal: " + failure);
        }
        return new LogStorageException(what, cause);
    }
}
