package io.tributary.broker.log;

import io.tributary.record.Record;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import io.tributary.record.RecordBatches;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds and decodes record batches for the storage tests. */
final class TestBatches {
    private TestBatches() {
    }

    /** A batch of {@code records} records with timestamps firstTimestamp, +1, ... and values "tag-i". */
    static ByteBuffer batch(int records, long firstTimestamp, String tag) {
        RecordBatchBuilder builder = new RecordBatchBuilder(128);
        for (int i = 0; i < records; i++) {
            builder.append(firstTimestamp + i, null, (tag + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    static ByteBuffer concat(ByteBuffer... buffers) {
        int size = 0;
        for (ByteBuffer b : buffers) {
            size += b.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (ByteBuffer b : buffers) {
            out.put(b.duplicate());
        }
        return out.flip();
    }

    static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    static List<RecordBatch> batches(ByteBuffer buffer) {
        List<RecordBatch> out = new ArrayList<>();
        RecordBatches.of(buffer).forEach(out::add);
        return out;
    }

    static List<String> values(ByteBuffer buffer) {
        List<String> out = new ArrayList<>();
        for (Record r : RecordBatches.of(buffer).records(0)) {
            out.add(new String(r.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Reads the whole log from {@code from} to its end, fetch after fetch. */
    static ByteBuffer readAll(PartitionLog log, long from) {
        List<ByteBuffer> parts = new ArrayList<>();
        long offset = from;
        while (offset < log.logEndOffset()) {
            ByteBuffer chunk = log.read(offset, Integer.MAX_VALUE, Long.MAX_VALUE);
            List<RecordBatch> got = batches(chunk);
            if (got.isEmpty()) {
                throw new AssertionError("empty read at " + offset + " below the log end " + log.logEndOffset());
            }
            offset = got.get(got.size() - 1).nextOffset();
            parts.add(chunk);
        }
        return concat(parts.toArray(ByteBuffer[]::new));
    }
}
