package io.tributary.broker.log;

import io.tributary.record.RecordBatch;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;

/**
 * One segment file: record batches back to back, named by the base offset of its first batch.
 * Appends are serialized by the owning {@link PartitionLog}; {@link #size()} is published after each
 * write so concurrent readers never see a partly written batch.
 */
final class Segment {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Segment.class);
    static final String SUFFIX = ".log";

    private final long baseOffset;
    private final Path path;
    private final SegmentFiles files;
    /** The open file, or null while the bound on open files has it closed; guarded by this. */
    private FileChannel channel;
    /** Operations using {@link #channel} now: it is not closed for the bound while any runs; guarded by this. */
    private int users;
    /** The segment was closed or deleted: its file is not opened again; guarded by this. */
    private boolean closed;
    private volatile int size;
    /** Whether the directory entry of a newly created file still needs an fsync of the directory. */
    private volatile boolean directoryEntryUnsynced;
    /** Max timestamp of the first batch (segment.ms counts from it); read from the file on first use. */
    private volatile long firstBatchMaxTimestamp = UNKNOWN_TIMESTAMP;
    private static final long UNKNOWN_TIMESTAMP = Long.MIN_VALUE;

    private Segment(SegmentFiles files, long baseOffset, Path path, FileChannel channel, int size, boolean created) {
        this.files = files;
        this.baseOffset = baseOffset;
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.directoryEntryUnsynced = created;
    }

    static String fileName(long baseOffset) {
        return numberedName(baseOffset, SUFFIX);
    }

    /** The base offset a segment file name encodes, or -1 when it is not a segment file name. */
    static long parseBaseOffset(String fileName) {
        return parseNumberedName(fileName, SUFFIX);
    }

    /** A file named by a number in 20 digits, so that names sort as the numbers do (segments, journal files). */
    static String numberedName(long number, String suffix) {
        return String.format("%020d%s", number, suffix);
    }

    /** The number a {@link #numberedName} encodes, or -1 when {@code fileName} is not one with {@code suffix}. */
    static long parseNumberedName(String fileName, String suffix) {
        if (!fileName.endsWith(suffix) || fileName.length() != 20 + suffix.length()) {
            return -1L;
        }
        try {
            long number = Long.parseLong(fileName.substring(0, 20));
            return number >= 0 ? number : -1L;
        } catch (NumberFormatException e) {
            return -1L;
        }
    }

    /**
     * Removes from {@code segments} (by base offset), oldest first, every segment lying wholly below
     * {@code logStartOffset} (the next segment starts at or below it); never the last one. Returns
     * them for the caller to close and delete.
     */
    static List<Segment> removeWhollyBelow(NavigableMap<Long, Segment> segments, long logStartOffset) {
        List<Segment> removed = new ArrayList<>();
        while (segments.size() > 1 && segments.higherKey(segments.firstKey()) <= logStartOffset) {
            removed.add(segments.pollFirstEntry().getValue());
        }
        return removed;
    }

    /** Creates the segment's file, which stays open (it is about to be written). */
    static Segment create(SegmentFiles files, Path dir, long baseOffset) {
        Path path = dir.resolve(fileName(baseOffset));
        try {
            FileChannel channel = files.open(path, true);
            Segment created = new Segment(files, baseOffset, path, channel, 0, true);
            files.used(created, true);
            return created;
        } catch (IOException e) {
            throw new LogStorageException("cannot create segment " + path, e);
        }
    }

    /** An existing segment file; it is opened when first used. */
    static Segment open(SegmentFiles files, Path path, long baseOffset) {
        try {
            long length = Files.size(path);
            if (length > Integer.MAX_VALUE) {
                throw new LogStorageException("segment " + path + " is " + length + " bytes, more than the 2 GiB a segment may hold");
            }
            return new Segment(files, baseOffset, path, null, (int) length, false);
        } catch (IOException e) {
            throw new LogStorageException("cannot open segment " + path, e);
        }
    }

    /**
     * The open file, opened if the bound had closed it (or an interrupted thread's I/O closed it),
     * held open until {@link #release}.
     *
     * @throws ClosedChannelException the segment was closed or deleted
     */
    private FileChannel acquire() throws IOException {
        boolean opened = false;
        FileChannel open;
        synchronized (this) {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (channel == null || !channel.isOpen()) {
                channel = files.open(path, false);
                opened = true;
            }
            users++;
            open = channel;
        }
        files.used(this, opened);
        return open;
    }

    private synchronized void release() {
        users--;
    }

    /** Closes the file if no operation uses it (for {@link SegmentFiles}); it reopens on the next use. */
    synchronized boolean closeFileIfIdle() {
        if (users > 0 || channel == null) {
            return false;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing idle segment file {} failed (it is reopened when used): {}", path, e.toString());
        }
        channel = null;
        return true;
    }

    long baseOffset() {
        return baseOffset;
    }

    Path path() {
        return path;
    }

    /** Bytes of whole batches visible to readers. */
    int size() {
        return size;
    }

    /** Length of the file on disk, which may exceed {@link #size()} during recovery. */
    long fileLength() throws IOException {
        FileChannel open = acquire();
        try {
            return open.size();
        } finally {
            release();
        }
    }

    /**
     * Writes all of {@code data} at {@code position} without publishing it; the caller publishes with
     * {@link #publishSize} once the batches are indexed. Caller serializes writers.
     */
    void write(ByteBuffer data, int position) throws IOException {
        long filePosition = position;
        ByteBuffer src = data.duplicate();
        FileChannel open = acquire();
        try {
            while (src.hasRemaining()) {
                filePosition += open.write(src, filePosition);
            }
        } finally {
            release();
        }
    }

    /** Makes bytes up to {@code newSize} visible to readers. */
    void publishSize(int newSize) {
        size = newSize;
    }

    /** Reads up to {@code length} bytes at {@code position} into a new buffer, flipped. */
    ByteBuffer read(int position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        FileChannel open = acquire();
        try {
            readFully(open, buffer, position);
        } finally {
            release();
        }
        buffer.flip();
        return buffer;
    }

    /**
     * The length of the run of whole batches from {@code position}, within {@code length} bytes,
     * whose last offsets are below {@code maxOffset}: {@link BatchScan#wholeBatchesBelow} reading only
     * each batch's header from the file.
     */
    int wholeBatchesBelow(int position, int length, long maxOffset) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(RecordBatch.LAST_OFFSET_DELTA_OFFSET + 4);
        int pos = 0;
        FileChannel open = acquire();
        try {
            while (length - pos >= RecordBatch.HEADER_SIZE) {
                header.clear();
                if (readFully(open, header, position + pos) < header.capacity()) {
                    break;
                }
                int size = BatchScan.wholeBatchSize(header, 0, length - pos, maxOffset);
                if (size == 0) {
                    break;
                }
                pos += size;
            }
        } finally {
            release();
        }
        return pos;
    }

    /**
     * Copies {@code length} bytes from {@code position} to {@code out} through {@code chunk}. The
     * bytes were framed as whole batches when the fetch was read; a segment cut shorter since then (a
     * former leader truncating its log) fails the copy instead of sending a torn batch.
     */
    void copyTo(OutputStream out, int position, int length, byte[] chunk) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(chunk);
        FileChannel open = acquire();
        try {
            for (int done = 0; done < length; ) {
                buffer.clear().limit(Math.min(chunk.length, length - done));
                int n = readFully(open, buffer, position + done);
                if (n < buffer.limit()) {
                    throw new EOFException(path + " ends at byte " + (position + done + n) + ", inside a fetch of bytes "
                            + position + "-" + (position + length) + " (the log was truncated while the fetch was sent)");
                }
                out.write(chunk, 0, n);
                done += n;
            }
        } finally {
            release();
        }
    }

    /** Reads until {@code buffer} is full or the file ends; returns the bytes read. */
    private static int readFully(FileChannel open, ByteBuffer buffer, long filePosition) throws IOException {
        int read = 0;
        while (buffer.hasRemaining()) {
            int n = open.read(buffer, filePosition + read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        return read;
    }

    /**
     * The max timestamp of the segment's first batch, which segment.ms counts from (Kafka's rolling
     * base timestamp); read from the file once. Call only on a non-empty segment.
     */
    long firstBatchMaxTimestamp() throws IOException {
        long known = firstBatchMaxTimestamp;
        if (known == UNKNOWN_TIMESTAMP) {
            ByteBuffer header = read(0, RecordBatch.HEADER_SIZE);
            if (header.remaining() < RecordBatch.HEADER_SIZE) {
                throw new IOException(path + " holds no whole batch header");
            }
            known = header.getLong(RecordBatch.MAX_TIMESTAMP_OFFSET);
            firstBatchMaxTimestamp = known;
        }
        return known;
    }

    /** The first batch was just written to this (empty) segment: no need to read it back later. */
    void rememberFirstBatchMaxTimestamp(long maxTimestamp) {
        firstBatchMaxTimestamp = maxTimestamp;
    }

    /** Cuts the file to {@code newSize} bytes and publishes it. Caller excludes readers and writers. */
    void truncateTo(int newSize) throws IOException {
        FileChannel open = acquire();
        try {
            open.truncate(newSize);
        } finally {
            release();
        }
        size = newSize;
        if (newSize == 0) {
            firstBatchMaxTimestamp = UNKNOWN_TIMESTAMP;
        }
    }

    /** Forces the file's data (and, once, its directory entry) to disk. */
    void flush() throws IOException {
        FileChannel open = acquire();
        try {
            open.force(false);
        } finally {
            release();
        }
        if (directoryEntryUnsynced) {
            fsyncDirectory(path.getParent());
            directoryEntryUnsynced = false;
        }
    }

    /** Closes the file for good: later uses fail with {@link ClosedChannelException}. */
    void close() throws IOException {
        FileChannel open;
        synchronized (this) {
            closed = true;
            open = channel;
            channel = null;
        }
        files.closed(this);
        if (open != null) {
            open.close();
        }
    }

    void closeAndDelete() throws IOException {
        close();
        Files.deleteIfExists(path);
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
