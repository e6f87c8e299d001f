package io.tributary.chaos.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * A FUSE filesystem that mirrors a directory ("the disk") but keeps every write apart until the
 * writer fsyncs the file: a node whose data directory is mounted from it loses, at a
 * {@link #powerLoss}, every byte it wrote and did not fsync, whichever library wrote it (segments,
 * RocksDB, Ratis, checkpoints). kill -9 alone keeps the page cache and never tests that.
 *
 * <p>What it emulates: unsynced file data is lost (or, {@code torn}, partly kept: a prefix of the
 * changed pages, in offset order). What it does not: namespace changes (create, rename, unlink,
 * mkdir) are durable at once, as if the directory were fsynced with each; a page is written whole
 * or not at all (no torn sectors within a page); the order in which a real disk writes its cache
 * back is not modelled beyond "a prefix of each file". It can also play a full disk (writes fail
 * with ENOSPC) and a slow disk (each fsync waits).
 *
 * <p>Calls are serialised on this object: the workloads it serves are small, and the unsynced
 * state is then simple to reason about.
 */
public final class PowerLossFilesystem extends FuseStubFS {
    private final Path disk;
    private final Map<String, UnsyncedFile> unsynced = new HashMap<>();
    private volatile boolean full;
    private volatile long fsyncDelayMs;

    public PowerLossFilesystem(Path disk) {
        this.disk = disk;
    }

    /** The directory that holds what survives a power loss. */
    public Path disk() {
        return disk;
    }

    /** Writes fail with ENOSPC while set (a full disk); fsync still works. */
    public void setFull(boolean full) {
        this.full = full;
    }

    /** Each fsync waits this long first (a slow disk). */
    public void setFsyncDelayMs(long delayMs) {
        this.fsyncDelayMs = delayMs;
    }

    /**
     * Forgets every unsynced write, or with {@code torn} keeps a random prefix of each file's
     * changed pages. Call it once the process using the mount is dead, then remount (the kernel may
     * still cache pages of the old mount). Returns how many unsynced pages were lost.
     */
    public synchronized int powerLoss(boolean torn, RandomGenerator random) throws IOException {
        int lost = 0;
        for (Map.Entry<String, UnsyncedFile> e : new java.util.TreeMap<>(unsynced).entrySet()) {
            Path file = resolve(e.getKey());
            if (Files.exists(file)) {
                lost += e.getValue().loseTo(new DiskFile(file), torn, random);
            }
        }
        unsynced.clear();
        return lost;
    }

    /** Every unsynced page, across files (for reports). */
    public synchronized boolean hasUnsyncedData() {
        return unsynced.values().stream().anyMatch(f -> !f.isClean());
    }

    // ---------------------------------------------------------------- metadata

    @Override
    public synchronized int getattr(String path, FileStat stat) {
        Path file = resolve(path);
        return errno(() -> {
            Map<String, Object> a = Files.readAttributes(file, "unix:mode,nlink,uid,gid,size,lastModifiedTime",
                    LinkOption.NOFOLLOW_LINKS);
            stat.st_mode.set((Integer) a.get("mode"));
            stat.st_nlink.set((Integer) a.get("nlink"));
            stat.st_uid.set((Integer) a.get("uid"));
            stat.st_gid.set((Integer) a.get("gid"));
            UnsyncedFile pending = unsynced.get(path);
            stat.st_size.set(pending != null ? pending.size() : (Long) a.get("size"));
            long mtimeMs = ((FileTime) a.get("lastModifiedTime")).toMillis();
            stat.st_mtim.tv_sec.set(mtimeMs / 1000);
            stat.st_mtim.tv_nsec.set((mtimeMs % 1000) * 1_000_000);
            stat.st_blksize.set(UnsyncedFile.PAGE);
            return 0;
        });
    }

    @Override
    public synchronized int readdir(String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
        filter.apply(buf, ".", null, 0);
        filter.apply(buf, "..", null, 0);
        return errno(() -> {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(resolve(path))) {
                for (Path entry : entries) {
                    filter.apply(buf, entry.getFileName().toString(), null, 0);
                }
            }
            return 0;
        });
    }

    @Override
    public synchronized int mkdir(String path, @mode_t long mode) {
        return io(() -> Files.createDirectory(resolve(path)));
    }

    @Override
    public synchronized int rmdir(String path) {
        return io(() -> Files.delete(resolve(path)));
    }

    @Override
    public synchronized int unlink(String path) {
        unsynced.remove(path);
        return io(() -> Files.delete(resolve(path)));
    }

    @Override
    public synchronized int rename(String from, String to) {
        int result = io(() -> Files.move(resolve(from), resolve(to), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE));
        if (result == 0) {
            unsynced.remove(to);
            String prefix = from + "/";
            for (String key : new java.util.ArrayList<>(unsynced.keySet())) {
                if (key.equals(from)) {
                    unsynced.put(to, unsynced.remove(key));
                } else if (key.startsWith(prefix)) {
                    unsynced.put(to + "/" + key.substring(prefix.length()), unsynced.remove(key));
                }
            }
        }
        return result;
    }

    @Override
    public int chmod(String path, @mode_t long mode) {
        return 0;
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return 0;
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        return 0;
    }

    @Override
    public int access(String path, int mask) {
        return Files.exists(resolve(path), LinkOption.NOFOLLOW_LINKS) ? 0 : -ErrorCodes.ENOENT();
    }

    @Override
    public synchronized int statfs(String path, Statvfs stbuf) {
        return errno(() -> {
            java.nio.file.FileStore store = Files.getFileStore(disk);
            long block = 4096;
            stbuf.f_bsize.set(block);
            stbuf.f_frsize.set(block);
            stbuf.f_blocks.set(store.getTotalSpace() / block);
            stbuf.f_bfree.set(full ? 0 : store.getUnallocatedSpace() / block);
            stbuf.f_bavail.set(full ? 0 : store.getUsableSpace() / block);
            stbuf.f_namemax.set(255);
            return 0;
        });
    }

    // ---------------------------------------------------------------- data

    @Override
    public synchronized int create(String path, @mode_t long mode, FuseFileInfo fi) {
        return errno(() -> {
            if (!Files.exists(resolve(path))) {
                Files.createFile(resolve(path));
            }
            return 0;
        });
    }

    @Override
    public synchronized int open(String path, FuseFileInfo fi) {
        return Files.isRegularFile(resolve(path)) ? 0 : -ErrorCodes.ENOENT();
    }

    @Override
    public synchronized int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return errno(() -> {
            DiskFile file = new DiskFile(resolve(path));
            UnsyncedFile pending = unsynced.get(path);
            byte[] bytes = new byte[(int) size];
            int n = pending != null ? pending.read(offset, bytes, bytes.length, file)
                    : file.read(offset, bytes, 0, bytes.length);
            buf.put(0, bytes, 0, n);
            return n;
        });
    }

    @Override
    public synchronized int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        if (full) {
            return -ErrorCodes.ENOSPC();
        }
        return errno(() -> {
            byte[] bytes = new byte[(int) size];
            buf.get(0, bytes, 0, bytes.length);
            pendingFor(path).write(offset, bytes, bytes.length, new DiskFile(resolve(path)));
            return (int) size;
        });
    }

    @Override
    public synchronized int truncate(String path, @off_t long size) {
        return errno(() -> {
            pendingFor(path).truncate(size);
            return 0;
        });
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        return truncate(path, size);
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        long delay = fsyncDelayMs;
        if (delay > 0) {
            try {
                Thread.sleep(delay); // the slow disk this filesystem plays
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -ErrorCodes.EINTR();
            }
        }
        synchronized (this) {
            return errno(() -> {
                Path file = resolve(path);
                UnsyncedFile pending = unsynced.remove(path);
                if (pending != null) {
                    pending.syncTo(new DiskFile(file));
                }
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                return 0;
            });
        }
    }

    @Override
    public int fsyncdir(String path, FuseFileInfo fi) {
        return 0; // namespace changes are already durable here
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return 0; // close does not make data durable
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return 0;
    }

    @Override
    public int fallocate(String path, int mode, @off_t long off, @off_t long length, FuseFileInfo fi) {
        return -ErrorCodes.EOPNOTSUPP(); // callers fall back to plain writes
    }

    private UnsyncedFile pendingFor(String path) throws IOException {
        UnsyncedFile pending = unsynced.get(path);
        if (pending == null) {
            pending = new UnsyncedFile(Files.size(resolve(path)));
            unsynced.put(path, pending);
        }
        return pending;
    }

    private Path resolve(String path) {
        return path.equals("/") ? disk : disk.resolve(path.substring(1));
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private interface IoCall {
        int run() throws IOException;
    }

    private static int io(IoAction action) {
        return errno(() -> {
            action.run();
            return 0;
        });
    }

    /** Runs a filesystem call; an exception becomes the errno FUSE passes back to the caller. */
    private static int errno(IoCall call) {
        try {
            return call.run();
        } catch (NoSuchFileException e) {
            return -ErrorCodes.ENOENT();
        } catch (FileAlreadyExistsException e) {
            return -ErrorCodes.EEXIST();
        } catch (DirectoryNotEmptyException e) {
            return -ErrorCodes.ENOTEMPTY();
        } catch (IOException | RuntimeException e) {
            return -ErrorCodes.EIO();
        }
    }

    /** The durable copy of one file, read and written with positional I/O. */
    private record DiskFile(Path path) implements UnsyncedFile.Disk {
        @Override
        public long size() throws IOException {
            return Files.size(path);
        }

        @Override
        public int read(long position, byte[] into, int offset, int length) throws IOException {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                ByteBuffer buffer = ByteBuffer.wrap(into, offset, length);
                int total = 0;
                while (buffer.hasRemaining()) {
                    int n = channel.read(buffer, position + total);
                    if (n < 0) {
                        break;
                    }
                    total += n;
                }
                return total;
            }
        }

        @Override
        public void write(long position, byte[] from, int offset, int length) throws IOException {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(from, offset, length);
                long at = position;
                while (buffer.hasRemaining()) {
                    at += channel.write(buffer, at);
                }
            }
        }

        @Override
        public void setSize(long size) throws IOException {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                if (size < channel.size()) {
                    channel.truncate(size);
                } else if (size > channel.size()) {
                    channel.write(ByteBuffer.wrap(new byte[1]), size - 1);
                }
            }
        }
    }
}
