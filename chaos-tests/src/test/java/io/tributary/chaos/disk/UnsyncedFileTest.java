package io.tributary.chaos.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UnsyncedFileTest {

    /** A durable file in memory. */
    private static final class MemoryDisk implements UnsyncedFile.Disk {
        byte[] bytes = new byte[0];

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public int read(long position, byte[] into, int offset, int length) {
            int n = (int) Math.max(0, Math.min(length, bytes.length - position));
            System.arraycopy(bytes, (int) position, into, offset, n);
            return n;
        }

        @Override
        public void write(long position, byte[] from, int offset, int length) {
            if (position + length > bytes.length) {
                bytes = Arrays.copyOf(bytes, (int) (position + length));
            }
            System.arraycopy(from, offset, bytes, (int) position, length);
        }

        @Override
        public void setSize(long size) {
            bytes = Arrays.copyOf(bytes, (int) size);
        }
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] read(UnsyncedFile file, MemoryDisk disk) throws Exception {
        byte[] out = new byte[(int) file.size()];
        assertThat(file.read(0, out, out.length, disk)).isEqualTo(out.length);
        return out;
    }

    @Test
    void writesAreSeenAtOnceButReachTheDiskOnlyAtSync() throws Exception {
        MemoryDisk disk = new MemoryDisk();
        UnsyncedFile file = new UnsyncedFile(0);
        file.write(0, filled(10_000, 7), 10_000, disk);

        assertThat(read(file, disk)).isEqualTo(filled(10_000, 7));
        assertThat(disk.bytes).isEmpty();

        file.syncTo(disk);
        assertThat(disk.bytes).isEqualTo(filled(10_000, 7));
        assertThat(file.isClean()).isTrue();
    }

    @Test
    void powerLossKeepsOnlyWhatWasSynced() throws Exception {
        MemoryDisk disk = new MemoryDisk();
        UnsyncedFile file = new UnsyncedFile(0);
        file.write(0, filled(5_000, 1), 5_000, disk);
        file.syncTo(disk);
        file.write(5_000, filled(3_000, 2), 3_000, disk); // shares page 1 with synced bytes
        file.write(100, filled(10, 3), 10, disk);          // overwrites synced bytes

        assertThat(file.loseTo(disk, false, new Random(1))).isEqualTo(2);
        assertThat(disk.bytes).isEqualTo(filled(5_000, 1));
    }

    @Test
    void aTornLossKeepsAPrefixOfTheChangedPagesAndNeverInventsBytes() throws Exception {
        for (int seed = 0; seed < 50; seed++) {
            MemoryDisk disk = new MemoryDisk();
            UnsyncedFile file = new UnsyncedFile(0);
            file.write(0, filled(4_096, 1), 4_096, disk);
            file.syncTo(disk);
            file.write(4_096, filled(5 * 4_096, 2), 5 * 4_096, disk); // an append of 5 pages

            file.loseTo(disk, true, new Random(seed));

            assertThat(disk.bytes.length % 4_096).isZero();
            assertThat(Arrays.copyOf(disk.bytes, 4_096)).isEqualTo(filled(4_096, 1));
            for (int i = 4_096; i < disk.bytes.length; i++) {
                assertThat(disk.bytes[i]).as("seed %d byte %d", seed, i).isEqualTo((byte) 2);
            }
        }
    }

    @Test
    void aTruncateThenGrowReadsZerosWhereTheOldBytesWere() throws Exception {
        MemoryDisk disk = new MemoryDisk();
        disk.bytes = filled(8_192, 9);
        UnsyncedFile file = new UnsyncedFile(8_192);
        file.truncate(100);
        file.write(6_000, filled(10, 4), 10, disk);

        byte[] seen = read(file, disk);
        assertThat(seen).hasSize(6_010);
        assertThat(Arrays.copyOfRange(seen, 0, 100)).isEqualTo(filled(100, 9));
        assertThat(Arrays.copyOfRange(seen, 100, 6_000)).isEqualTo(new byte[5_900]);
        assertThat(Arrays.copyOfRange(seen, 6_000, 6_010)).isEqualTo(filled(10, 4));

        file.syncTo(disk);
        assertThat(disk.bytes).isEqualTo(seen);
    }

    @Test
    void anUnsyncedTruncateIsUndoneByAPowerLoss() throws Exception {
        MemoryDisk disk = new MemoryDisk();
        disk.bytes = filled(8_192, 9);
        UnsyncedFile file = new UnsyncedFile(8_192);
        file.truncate(0);

        file.loseTo(disk, false, new Random(1));
        assertThat(disk.bytes).isEqualTo(filled(8_192, 9));
    }
}
