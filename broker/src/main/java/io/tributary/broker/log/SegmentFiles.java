package io.tributary.broker.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * Bounds the file handles a node's segments hold open: a segment opens its file when it is used and
 * the least recently used idle ones are closed once more than {@code capacity} are open. With
 * 10,000 partitions (and several segments each) a node would otherwise hold one descriptor per
 * segment file for its whole life. A segment in use (an append, a read, a fetch being sent) is never
 * closed; when every open one is in use the bound is exceeded until they are released.
 *
 * <p>Closing a segment's descriptor loses nothing: appends are made durable by the journal, and a
 * later fsync of the file (a checkpoint) through a new descriptor flushes every dirty page of it;
 * Linux reports a write-back error to a descriptor opened after it, when nobody has seen it yet.
 */
final class SegmentFiles {
    /** Opens segment files: the disk, or a disk with faults injected (tests). */
    @FunctionalInterface
    interface Opener {
        Opener DEFAULT = (path, create) -> create
                ? FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);

        /** Opens {@code path} for reading and writing, creating it (it must not exist) when {@code create}. */
        FileChannel open(Path path, boolean create) throws IOException;
    }

    private final int capacity;
    private final Opener opener;
    /** Segments with an open file, least recently used first. */
    private final LinkedHashSet<Segment> open = new LinkedHashSet<>();

    SegmentFiles(int capacity, Opener opener) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the open segment file bound must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        this.opener = opener;
    }

    FileChannel open(Path path, boolean create) throws IOException {
        return opener.open(path, create);
    }

    /**
     * {@code segment} was just used (and opened its file when {@code opened}); closes the least
     * recently used idle files over the bound. Segments call this without holding their own lock
     * (the order is always this, then a segment).
     */
    synchronized void used(Segment segment, boolean opened) {
        if (!opened && !open.remove(segment)) {
            return; // it closed its file meanwhile (deleted or closed): nothing to track
        }
        open.add(segment);
        for (Iterator<Segment> it = open.iterator(); open.size() > capacity && it.hasNext(); ) {
            Segment eldest = it.next();
            if (eldest != segment && eldest.closeFileIfIdle()) {
                it.remove();
            }
        }
    }

    /** {@code segment} closed its file (idle, deleted, or the log closed). */
    synchronized void closed(Segment segment) {
        open.remove(segment);
    }

    synchronized int openFiles() {
        return open.size();
    }
}
