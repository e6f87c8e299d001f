package io.tributary.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Small metadata files beside the segments, replaced whole so that a crash leaves the old or the new one. */
final class DurableFiles {
    private DurableFiles() {
    }

    /** Writes {@code content} to a temporary file, fsyncs it, renames it over {@code dir/fileName} and fsyncs the directory. */
    static void replace(Path dir, String fileName, byte[] content) {
        Path file = dir.resolve(fileName);
        Path temp = dir.resolve(fileName + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(content);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        } catch (IOException e) {
            throw new LogStorageException("cannot write " + temp, e);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Segment.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new LogStorageException("cannot install " + file, e);
        }
    }
}
