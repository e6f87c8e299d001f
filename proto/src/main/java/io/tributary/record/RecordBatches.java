package io.tributary.record;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/** Walks back-to-back record batches in a buffer without copying them. */
public final class RecordBatches implements Iterable<RecordBatch> {
    private final ByteBuffer buffer;
    private final int start;
    private final int limit;

    private RecordBatches(ByteBuffer buffer, int start, int limit) {
        this.buffer = buffer;
        this.start = start;
        this.limit = limit;
    }

    /** The batches from the buffer's position to its limit; a truncated last batch is an error. */
    public static RecordBatches of(ByteBuffer buffer) {
        return new RecordBatches(buffer, buffer.position(), buffer.limit());
    }

    @Override
    public Iterator<RecordBatch> iterator() {
        return new Iterator<>() {
            private int position = start;

            @Override
            public boolean hasNext() {
                return position < limit;
            }

            @Override
            public RecordBatch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                RecordBatch batch = RecordBatch.wrap(buffer, position, limit);
                position += batch.sizeInBytes();
                return batch;
            }
        };
    }

    /** Decodes every record of every batch, skipping those below {@code fromOffset}. */
    public List<Record> records(long fromOffset) {
        List<Record> out = new ArrayList<>();
        for (RecordBatch batch : this) {
            if (batch.lastOffset() < fromOffset || batch.isControlBatch()) {
                continue;
            }
            for (Record record : batch.records()) {
                if (record.offset() >= fromOffset) {
                    out.add(record);
                }
            }
        }
        return out;
    }
}
