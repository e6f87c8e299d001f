package io.tributary.broker.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code partition.metadata} file of a partition directory: the topic id (to tell a re-created
 * topic from the deleted one of the same name) and the partition's key in the RocksDB index.
 * Written atomically (temp file, fsync, rename, fsync directory).
 *
 * <pre>
 * version: 0
 * topic_id: &lt;topic id&gt;
 * index_key: &lt;positive long&gt;
 * </pre>
 */
record PartitionMetadata(String topicId, long indexKey) {
    static final String FILE_NAME = "partition.metadata";
    private static final int VERSION = 0;

    static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE_NAME));
    }

    static PartitionMetadata read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        Map<String, String> fields = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                }
            }
        } catch (IOException e) {
            throw new LogStorageException("cannot read " + file, e);
        }
        String version = fields.get("version");
        String topicId = fields.get("topic_id");
        String key = fields.get("index_key");
        if (!String.valueOf(VERSION).equals(version) || topicId == null || topicId.isEmpty() || key == null) {
            throw new LogStorageException(file + " is malformed or of an unknown version: " + fields);
        }
        try {
            long indexKey = Long.parseLong(key);
            if (indexKey <= 0) {
                throw new NumberFormatException("not positive");
            }
            return new PartitionMetadata(topicId, indexKey);
        } catch (NumberFormatException e) {
            throw new LogStorageException(file + " has a bad index_key '" + key + "'");
        }
    }

    void write(Path dir) {
        String text = "version: " + VERSION + "\ntopic_id: " + topicId + "\nindex_key: " + indexKey + "\n";
        DurableFiles.replace(dir, FILE_NAME, text.getBytes(StandardCharsets.UTF_8));
    }
}
