package io.tributary.metadata;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.proto.metadata.v1.MetadataSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The metadata snapshot file format: a 16-byte header then a serialized {@link MetadataSnapshot}.
 *
 * <pre>
 *   int32 magic "TRMS" | int32 format (1) | int32 payload length | int32 CRC32C of payload | payload
 * </pre>
 * Files are named {@code snapshot.<term>_<index>} (Ratis's SimpleStateMachineStorage convention)
 * and written atomically.
 */
final class SnapshotFiles {
    static final int MAGIC = 0x54524d53;
    static final int FORMAT = 1;
    private static final int HEADER_BYTES = 16;

    private SnapshotFiles() {
    }

    static void write(Path target, MetadataSnapshot snapshot) throws IOException {
        byte[] payload = snapshot.toByteArray();
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).putInt(MAGIC).putInt(FORMAT).putInt(payload.length)
                .putInt(crc(payload)).flip();
        AtomicFiles.write(target, header, ByteBuffer.wrap(payload));
    }

    static MetadataSnapshot read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < HEADER_BYTES) {
            throw new IOException("snapshot " + file + " is truncated: " + bytes.length + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int magic = buf.getInt();
        int format = buf.getInt();
        int length = buf.getInt();
        int expectedCrc = buf.getInt();
        if (magic != MAGIC || format != FORMAT) {
            throw new IOException("snapshot " + file + " has magic " + Integer.toHexString(magic) + " format " + format
                    + ", expected " + Integer.toHexString(MAGIC) + " format " + FORMAT);
        }
        if (length != bytes.length - HEADER_BYTES) {
            throw new IOException("snapshot " + file + " declares " + length + " payload bytes but has "
                    + (bytes.length - HEADER_BYTES));
        }
        byte[] payload = new byte[length];
        buf.get(payload);
        if (crc(payload) != expectedCrc) {
            throw new IOException("snapshot " + file + " fails its CRC32C check");
        }
        try {
            return MetadataSnapshot.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("snapshot " + file + " does not parse", e);
        }
    }

    private static int crc(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return (int) crc.getValue();
    }
}
