package io.tributary.chaos.disk;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * What a process wrote to one file since its last fsync, kept apart from the file on disk: the
 * pages it changed (4 KiB, whole) and the file's size as the process sees it. Reads see the
 * unsynced state; {@link #syncTo} makes it durable; a power loss ({@link #loseTo}) makes the disk
 * keep none of it, or only a prefix of the changed pages in offset order (a torn tail, as a disk
 * that wrote some of its cache back before the power went).
 *
 * <p>Pure: the file on disk is reached through {@link Disk}, so the rules are tested without FUSE.
 * Not thread-safe: the filesystem serialises calls.
 */
final class UnsyncedFile {
    static final int PAGE = 4096;

    /** The durable copy of the file. */
    interface Disk {
        long size() throws IOException;

        /** Reads up to {@code length} bytes at {@code position}; returns how many (0 at or past the end). */
        int read(long position, byte[] into, int offset, int length) throws IOException;

        void write(long position, byte[] from, int offset, int length) throws IOException;

        void setSize(long size) throws IOException;
    }

    private final TreeMap<Long, byte[]> pages = new TreeMap<>();
    private long size;
    /** Disk bytes at or past this offset are gone for the process (it truncated the file below them). */
    private long validDiskEnd;

    UnsyncedFile(long diskSize) {
        this.size = diskSize;
        this.validDiskEnd = diskSize;
    }

    long size() {
        return size;
    }

    boolean isClean() {
        return pages.isEmpty() && validDiskEnd == size;
    }

    int read(long position, byte[] into, int length, Disk disk) throws IOException {
        if (position >= size) {
            return 0;
        }
        int total = (int) Math.min(length, size - position);
        forEachPageSlice(position, total, (pageIndex, inPage, done, n) -> {
            byte[] page = pages.get(pageIndex);
            if (page != null) {
                System.arraycopy(page, inPage, into, done, n);
            } else {
                readDisk(pageIndex * PAGE + inPage, into, done, n, disk);
            }
        });
        return total;
    }

    void write(long position, byte[] from, int length, Disk disk) throws IOException {
        forEachPageSlice(position, length, (pageIndex, inPage, done, n) -> {
            byte[] page = pages.get(pageIndex);
            if (page == null) {
                page = new byte[PAGE];
                long pageStart = pageIndex * PAGE;
                if (pageStart < size) {
                    readDisk(pageStart, page, 0, (int) Math.min(PAGE, size - pageStart), disk);
                }
                pages.put(pageIndex, page);
            }
            System.arraycopy(from, done, page, inPage, n);
        });
        size = Math.max(size, position + length);
    }

    /** One piece of a byte range that lies within a single page. */
    private interface PageSlice {
        void accept(long pageIndex, int inPage, int done, int length) throws IOException;
    }

    /** Walks {@code [position, position + length)} page by page. */
    private static void forEachPageSlice(long position, int length, PageSlice slice) throws IOException {
        int done = 0;
        while (done < length) {
            long at = position + done;
            int inPage = (int) (at % PAGE);
            int n = Math.min(length - done, PAGE - inPage);
            slice.accept(at / PAGE, inPage, done, n);
            done += n;
        }
    }

    void truncate(long newSize) {
        if (newSize < size) {
            validDiskEnd = Math.min(validDiskEnd, newSize);
            pages.tailMap((newSize + PAGE - 1) / PAGE, true).clear();
            byte[] last = pages.get(newSize / PAGE);
            if (last != null) {
                java.util.Arrays.fill(last, (int) (newSize % PAGE), PAGE, (byte) 0);
            }
        }
        size = newSize;
    }

    /** fsync: the disk holds exactly what the process sees. */
    void syncTo(Disk disk) throws IOException {
        applyTo(disk, pages.size(), true);
        pages.clear();
        validDiskEnd = size;
    }

    /**
     * Power loss: the disk keeps what was synced, plus, when {@code torn}, the changed pages in
     * offset order up to a random point (a size change is kept only if every page was). Returns how
     * many unsynced pages were lost.
     */
    int loseTo(Disk disk, boolean torn, RandomGenerator random) throws IOException {
        int kept = torn && !pages.isEmpty() ? random.nextInt(pages.size() + 1) : 0;
        applyTo(disk, kept, torn && kept == pages.size());
        int lost = pages.size() - kept;
        pages.clear();
        return lost;
    }

    private void applyTo(Disk disk, int pageCount, boolean withSize) throws IOException {
        if (withSize && validDiskEnd < disk.size()) {
            disk.setSize(validDiskEnd); // what lies past a truncation must read as zeros if the file grows again
        }
        List<Map.Entry<Long, byte[]>> entries = new ArrayList<>(pages.entrySet()).subList(0, pageCount);
        for (Map.Entry<Long, byte[]> e : entries) {
            long pageStart = e.getKey() * PAGE;
            int length = (int) Math.min(PAGE, size - pageStart);
            if (length > 0) {
                disk.write(pageStart, e.getValue(), 0, length);
            }
        }
        if (withSize && disk.size() != size) {
            disk.setSize(size);
        }
    }

    private void readDisk(long position, byte[] into, int offset, int length, Disk disk) throws IOException {
        int fromDisk = (int) Math.max(0, Math.min(length, validDiskEnd - position));
        int read = fromDisk > 0 ? disk.read(position, into, offset, fromDisk) : 0;
        java.util.Arrays.fill(into, offset + read, offset + length, (byte) 0);
    }
}
