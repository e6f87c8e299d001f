package io.tributary.chaos.nemesis;

import io.tributary.chaos.cluster.ChaosCluster;
import io.tributary.chaos.disk.NodeDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Faults of a node's storage. Power loss, a lost disk, a full disk and a slow disk need the
 * cluster's {@link NodeDisk} mounts; corruption works on any data directory. Corruption and lost
 * disks strike a minority (one node) only: the others must repair it, and it must never lead with a
 * shorter log.
 */
public final class DiskNemeses {
    private DiskNemeses() {
    }

    /** kill -9 a partition leader and drop what it wrote without fsync (a random half of the time, keep a torn prefix). */
    public static Nemesis powerLoss() {
        return process("power-loss", (cluster, targets, random) -> {
            int node = targets.partitionLeader(random);
            boolean torn = random.nextBoolean();
            cluster.kill9(node);
            int lost = cluster.disk(node).powerLoss(torn, random);
            return ProcessNemeses.fault("node " + node + (torn ? ", torn" : "") + ", " + lost + " unsynced pages lost",
                    () -> cluster.relaunch(node));
        });
    }

    /** Every node loses power at once: the promise that an acknowledged write survives even that. */
    public static Nemesis powerLossAll() {
        return process("power-loss-all", (cluster, targets, random) -> {
            cluster.kill9All();
            int lost = 0;
            for (int node : cluster.nodeIds()) {
                lost += cluster.disk(node).powerLoss(random.nextBoolean(), random);
            }
            return ProcessNemeses.fault("every node, " + lost + " unsynced pages lost", cluster::relaunchAll);
        });
    }

    /** A node's disk is replaced by an empty one: it rejoins with nothing and must be repaired from its peers. */
    public static Nemesis lostDisk() {
        return process("lost-disk", (cluster, targets, random) -> {
            int node = targets.anyUpNode(random);
            cluster.kill9(node);
            cluster.disk(node).wipe();
            return ProcessNemeses.fault("node " + node, () -> cluster.relaunch(node));
        });
    }

    /**
     * One node's segment of a workload partition is damaged while the node is down: a flipped bit, a
     * truncation, or (healed later) a roll-back to the copy taken when the fault began.
     */
    public static Nemesis corruption() {
        return process("corruption", (cluster, targets, random) -> {
            int node = targets.anyUpNode(random);
            Path dataDir = cluster.node(node).dataDir();
            List<Path> segments = segments(dataDir);
            if (segments.isEmpty()) {
                return Nemesis.done("node " + node + " has no segment yet");
            }
            Path segment = segments.get(random.nextInt(segments.size()));
            String name = dataDir.relativize(segment).toString();
            switch (random.nextInt(3)) {
                case 0 -> {
                    cluster.kill9(node);
                    long at = flipBit(segment, random);
                    return ProcessNemeses.fault("node " + node + ": bit flipped in " + name + " at byte " + at,
                            () -> cluster.relaunch(node));
                }
                case 1 -> {
                    cluster.kill9(node);
                    long to = truncate(segment, random);
                    return ProcessNemeses.fault("node " + node + ": " + name + " truncated to " + to + " bytes",
                            () -> cluster.relaunch(node));
                }
                default -> {
                    Path copy = segment.resolveSibling(segment.getFileName() + ".chaos-old");
                    Files.copy(segment, copy, StandardCopyOption.REPLACE_EXISTING);
                    return ProcessNemeses.fault("node " + node + ": " + name + " rolled back to an older copy", () -> {
                        cluster.kill9(node);
                        Files.move(copy, segment, StandardCopyOption.REPLACE_EXISTING);
                        cluster.relaunch(node);
                    });
                }
            }
        });
    }

    /** How long a full disk's heal waits for a node that is stopping on its failed write. */
    private static final java.time.Duration STOP_WAIT = java.time.Duration.ofSeconds(20);

    /** A partition leader's disk is full: every write fails with ENOSPC until healed. */
    public static Nemesis fullDisk() {
        return storage("disk-full", (cluster, targets, random) -> {
            int node = targets.partitionLeader(random);
            NodeDisk disk = cluster.disk(node);
            disk.setFull(true);
            return ProcessNemeses.fault("node " + node, () -> {
                disk.setFull(false);
                // It stops on the failed write (exit 4) after a controlled shutdown: one still on its way
                // out at the heal must be waited for, or it stays down for the rest of the run.
                if (cluster.exitCode(node).isPresent() || cluster.awaitExitIfStopping(node, STOP_WAIT).isPresent()) {
                    cluster.relaunch(node);
                }
            });
        });
    }

    /** A partition leader's disk is slow: each fsync takes 100 to 600 ms more. */
    public static Nemesis slowDisk() {
        return storage("slow-disk", (cluster, targets, random) -> {
            int node = targets.partitionLeader(random);
            long delayMs = 100 + random.nextInt(501);
            NodeDisk disk = cluster.disk(node);
            disk.setFsyncDelayMs(delayMs);
            return ProcessNemeses.fault("node " + node + ", fsync + " + delayMs + " ms", () -> disk.setFsyncDelayMs(0));
        });
    }

    /**
     * The non-empty segment files of the workload's partitions. Read by name, never by walking the
     * tree: the node may be running, and its checkpoint files come and go (a walk that meets a
     * vanished {@code .tmp} fails, as one CI run's did).
     */
    private static List<Path> segments(Path dataDir) throws IOException {
        Path logs = dataDir.resolve("logs");
        if (!Files.isDirectory(logs)) {
            return List.of();
        }
        List<Path> partitionDirs = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(logs, "chaos-*")) {
            dirs.forEach(partitionDirs::add);
        }
        List<Path> out = new ArrayList<>();
        for (Path dir : partitionDirs) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.log")) {
                for (Path file : files) {
                    try {
                        if (Files.size(file) > 0) {
                            out.add(file);
                        }
                    } catch (NoSuchFileException gone) {
                        // deleted by retention or compaction since it was listed
                    }
                }
            } catch (NoSuchFileException | NotDirectoryException gone) {
                // the partition's directory went away (a deleted topic) or is not one
            }
        }
        out.sort(null);
        return out;
    }

    private static long flipBit(Path segment, RandomGenerator random) throws IOException {
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = random.nextLong(channel.size());
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, at);
            one.put(0, (byte) (one.get(0) ^ (1 << random.nextInt(8))));
            one.rewind();
            channel.write(one, at);
            channel.force(true);
            return at;
        }
    }

    private static long truncate(Path segment, RandomGenerator random) throws IOException {
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            long to = random.nextLong(channel.size());
            channel.truncate(to);
            channel.force(true);
            return to;
        }
    }

    private static Nemesis process(String kind, ProcessNemeses.Injector injector) {
        return new DiskNemesis(kind, true, injector);
    }

    private static Nemesis storage(String kind, ProcessNemeses.Injector injector) {
        return new DiskNemesis(kind, false, injector);
    }

    private record DiskNemesis(String kind, boolean touchesProcesses, ProcessNemeses.Injector injector)
            implements Nemesis {
        @Override
        public Fault inject(ChaosCluster cluster, Targets targets, RandomGenerator random) throws Exception {
            return injector.inject(cluster, targets, random);
        }

        @Override
        public boolean needsDisks() {
            return !kind.equals("corruption");
        }
    }
}
