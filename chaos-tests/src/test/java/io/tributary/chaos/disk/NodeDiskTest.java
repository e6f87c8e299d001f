package io.tributary.chaos.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The power-loss filesystem mounted for real (FUSE): what a process fsynced survives, nothing else does. */
class NodeDiskTest {
    @TempDir
    Path root;
    private NodeDisk disk;
    private Path data;

    @BeforeEach
    void mount() throws IOException {
        String unavailable = NodeDisk.unavailableReason();
        if (System.getenv("TRIBUTARY_CHAOS_REQUIRED") != null) {
            assertThat(unavailable).as("FUSE must work here (.ci/run requires it)").isNull();
        }
        Assumptions.assumeTrue(unavailable == null, () -> "power-loss filesystem skipped: " + unavailable);
        data = root.resolve("data");
        disk = new NodeDisk(root.resolve("disk"), data);
        disk.mount();
    }

    @AfterEach
    void unmount() {
        if (disk != null) {
            disk.close();
        }
    }

    private static void append(Path file, String text, boolean sync) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            if (sync) {
                channel.force(true);
            }
        }
    }

    @Test
    void aPowerLossKeepsWhatWasFsyncedAndLosesTheRest() throws IOException {
        Files.createDirectories(data.resolve("logs"));
        Path segment = data.resolve("logs/00000.log");
        Path other = data.resolve("other");
        append(segment, "synced;", true);
        append(segment, "not synced", false);
        append(other, "never synced", false);
        assertThat(Files.readString(segment)).isEqualTo("synced;not synced"); // the writer sees its writes

        assertThat(disk.powerLoss(false, new Random(1))).isPositive();

        assertThat(Files.readString(segment)).isEqualTo("synced;");
        assertThat(Files.exists(other)).as("creating a file is durable at once (a documented limit)").isTrue();
        assertThat(Files.size(other)).isZero();
    }

    @Test
    void renamesCarryUnsyncedDataAndFsyncAfterARenameMakesItDurable() throws IOException {
        Path tmp = data.resolve("checkpoint.tmp");
        append(tmp, "state", false);
        Files.move(tmp, data.resolve("checkpoint"));
        try (FileChannel channel = FileChannel.open(data.resolve("checkpoint"), StandardOpenOption.WRITE)) {
            channel.force(true);
        }

        disk.powerLoss(false, new Random(1));

        assertThat(Files.readString(data.resolve("checkpoint"))).isEqualTo("state");
    }

    @Test
    void aFullDiskRefusesWritesAndALostDiskComesBackEmpty() throws IOException {
        append(data.resolve("a"), "x", true);
        disk.setFull(true);
        assertThatThrownBy(() -> append(data.resolve("a"), "y", true)).isInstanceOf(IOException.class)
                .hasMessageContaining("space");
        disk.setFull(false);
        append(data.resolve("a"), "z", true);
        assertThat(Files.readString(data.resolve("a"))).isEqualTo("xz");

        disk.wipe();

        try (var files = Files.list(data)) {
            assertThat(files).isEmpty();
        }
    }
}
