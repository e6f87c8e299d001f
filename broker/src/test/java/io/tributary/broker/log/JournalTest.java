package io.tributary.broker.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** The journal's files: what is written is read back in order; a torn or damaged entry ends a file. */
class JournalTest {
    @TempDir
    Path logDir;

    private final List<String> failures = new ArrayList<>();

    private Journal open() {
        return Journal.open(logDir, new FsyncStats(), failures::add);
    }

    private static List<String> describe(Journal journal) {
        List<String> out = new ArrayList<>();
        journal.replay(e -> out.add(e.type() + " " + e.partitionKey() + "@" + e.offset() + " " + e.batches().remaining()));
        return out;
    }

    private Path onlyFile() throws IOException {
        try (Stream<Path> files = Files.list(logDir.resolve(Journal.DIR_NAME))) {
            List<Path> all = files.toList();
            assertThat(all).hasSize(1);
            return all.get(0);
        }
    }

    @Test
    void entriesComeBackInOrderWithTheirBytesAfterARestart() {
        ByteBuffer first = batch(3, 1000, "a");
        ByteBuffer second = batch(1, 2000, "b");
        Journal journal = open();
        journal.write(JournalEntry.append(7, 0, first));
        journal.write(JournalEntry.marker(JournalEntry.Type.TRUNCATE, 7, 2));
        journal.write(JournalEntry.append(9, 40, second));
        journal.write(JournalEntry.marker(JournalEntry.Type.RESET, 9, 100));
        journal.force();
        journal.close(false);

        Journal reopened = open();
        List<byte[]> payloads = new ArrayList<>();
        reopened.replay(e -> payloads.add(bytes(e.batches())));
        assertThat(describe(reopened)).containsExactly("APPEND 7@0 " + first.remaining(), "TRUNCATE 7@2 0",
                "APPEND 9@40 " + second.remaining(), "RESET 9@100 0");
        assertThat(payloads.get(0)).isEqualTo(bytes(first));
        assertThat(payloads.get(2)).isEqualTo(bytes(second));
        reopened.close(false);
    }

    @Test
    void aTornLastEntryIsDroppedWhereverTheFileWasCut() throws IOException {
        Journal journal = open();
        journal.write(JournalEntry.append(1, 0, batch(2, 1000, "kept")));
        journal.force();
        Path file = onlyFile();
        long whole = Files.size(file);
        journal.write(JournalEntry.append(1, 2, batch(2, 1000, "torn")));
        journal.close(false);
        long withTorn = Files.size(file);
        byte[] content = Files.readAllBytes(file);
        for (long cut = whole; cut < withTorn; cut++) {
            Files.write(file, java.util.Arrays.copyOf(content, (int) cut));
            List<String> read = new ArrayList<>();
            Journal.read(file, e -> read.add(e.type() + "@" + e.offset()));
            assertThat(read).as("cut at byte %d", cut).containsExactly("APPEND@0");
        }
    }

    @Test
    void nothingAfterAnEntryThatFailsItsCrcIsReplayed() throws IOException {
        Journal journal = open();
        journal.write(JournalEntry.append(1, 0, batch(1, 1000, "a")));
        journal.force();
        long damagedAt = Files.size(onlyFile()) + JournalEntry.HEADER_SIZE + 3;
        journal.write(JournalEntry.append(1, 1, batch(1, 1000, "b")));
        journal.write(JournalEntry.append(1, 2, batch(1, 1000, "c")));
        journal.close(false);
        try (FileChannel channel = FileChannel.open(onlyFile(), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {0x5a}), damagedAt);
        }
        List<Long> offsets = new ArrayList<>();
        Journal.read(onlyFile(), e -> offsets.add(e.offset()));
        assertThat(offsets).containsExactly(0L);
    }

    @Test
    void anAbsurdLengthIsNotAllocated() throws IOException {
        Journal journal = open();
        journal.close(false);
        Path file = onlyFile();
        ByteBuffer header = ByteBuffer.allocate(JournalEntry.HEADER_SIZE).putInt(-5).putInt(0);
        Files.write(file, header.array());
        List<JournalEntry> read = new ArrayList<>();
        Journal.read(file, read::add);
        assertThat(read).isEmpty();
    }

    @Test
    void rotationSealsFilesUntilACheckpointDeletesThem() throws IOException {
        Journal journal = open();
        journal.write(JournalEntry.append(1, 0, batch(1, 1000, "a")));
        long sealed = journal.rotate();
        assertThat(journal.bytesSinceRotation()).isZero();
        journal.write(JournalEntry.append(1, 1, batch(1, 1000, "b")));
        journal.force();
        try (Stream<Path> files = Files.list(logDir.resolve(Journal.DIR_NAME))) {
            assertThat(files.count()).isEqualTo(2);
        }
        journal.deleteSealedThrough(sealed);
        List<Long> offsets = new ArrayList<>();
        Journal.read(onlyFile(), e -> offsets.add(e.offset()));
        assertThat(offsets).containsExactly(1L);
        journal.close(true);
        try (Stream<Path> files = Files.list(logDir.resolve(Journal.DIR_NAME))) {
            assertThat(files.count()).as("a clean close leaves nothing to replay").isZero();
        }
        assertThat(failures).isEmpty();
    }
}
