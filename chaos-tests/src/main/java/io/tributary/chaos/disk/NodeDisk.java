package io.tributary.chaos.disk;

import io.tributary.chaos.net.Commands;
import io.tributary.chaos.net.LabCommandException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's data directory, mounted from a {@link PowerLossFilesystem} over its own "disk"
 * directory, and the faults played on it: power loss, a lost disk, corruption (done on the disk
 * directory while the node is down), a full disk, a slow disk. A power loss or a wipe unmounts and
 * mounts again, so that no page of the old mount stays in the kernel's cache.
 */
public final class NodeDisk implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeDisk.class);
    private static final long MOUNT_TIMEOUT_MS = 10_000;
    private static final String[] FUSE_OPTIONS = {"-o", "attr_timeout=0,entry_timeout=0,negative_timeout=0"};

    private final Path disk;
    private final Path mountPoint;
    private PowerLossFilesystem filesystem;

    public NodeDisk(Path disk, Path mountPoint) {
        this.disk = disk;
        this.mountPoint = mountPoint;
    }

    /** Whether this machine can mount it: /dev/fuse, libfuse 2 and fusermount. */
    public static String unavailableReason() {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            return "/dev/fuse is missing";
        }
        if (!Commands.available("fusermount")) {
            return "fusermount is not installed (Debian packages fuse and libfuse2)";
        }
        if (Stream.of("/usr/lib/x86_64-linux-gnu/libfuse.so.2", "/usr/lib/aarch64-linux-gnu/libfuse.so.2",
                "/lib/x86_64-linux-gnu/libfuse.so.2", "/usr/lib/libfuse.so.2").noneMatch(p -> Files.exists(Path.of(p)))) {
            return "libfuse.so.2 is not installed (Debian package libfuse2)";
        }
        return null;
    }

    public Path disk() {
        return disk;
    }

    public synchronized void mount() throws IOException {
        Files.createDirectories(disk);
        Files.createDirectories(mountPoint);
        filesystem = new PowerLossFilesystem(disk);
        filesystem.mount(mountPoint, false, false, FUSE_OPTIONS);
        awaitMounted(true);
    }

    public synchronized void unmount() {
        if (filesystem == null) {
            return;
        }
        try {
            Commands.run("fusermount", "-u", "-z", mountPoint.toString());
            awaitMounted(false);
        } catch (LabCommandException | IOException e) {
            log.warn("could not unmount {}: {}", mountPoint, e.getMessage());
        }
        filesystem = null;
    }

    /**
     * Power loss, for a node that is already dead: every unsynced byte is gone (with {@code torn},
     * a random prefix of each file's unsynced pages survives). Returns how many pages were lost.
     */
    public synchronized int powerLoss(boolean torn, RandomGenerator random) throws IOException {
        int lost = filesystem.powerLoss(torn, random);
        unmount();
        mount();
        return lost;
    }

    /** The node lost its whole disk: everything is gone (the node must be dead). */
    public synchronized void wipe() throws IOException {
        filesystem.powerLoss(false, null);
        unmount();
        if (Files.exists(disk)) {
            try (Stream<Path> files = Files.walk(disk)) {
                List<Path> all = files.sorted(Comparator.reverseOrder()).toList();
                for (Path p : all) {
                    Files.delete(p);
                }
            }
        }
        mount();
    }

    public synchronized void setFull(boolean full) {
        filesystem.setFull(full);
    }

    public synchronized void setFsyncDelayMs(long delayMs) {
        filesystem.setFsyncDelayMs(delayMs);
    }

    private void awaitMounted(boolean wanted) throws IOException {
        long deadline = System.currentTimeMillis() + MOUNT_TIMEOUT_MS;
        while (isMounted() != wanted) {
            if (System.currentTimeMillis() > deadline) {
                throw new IOException(mountPoint + (wanted ? " not mounted" : " still mounted") + " after "
                        + MOUNT_TIMEOUT_MS + " ms");
            }
            try {
                Thread.sleep(20); // the kernel's mount table changes on its own time; nothing to block on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for " + mountPoint, e);
            }
        }
    }

    private boolean isMounted() throws IOException {
        String target = " " + mountPoint.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(target));
    }

    @Override
    public synchronized void close() {
        unmount();
    }
}
