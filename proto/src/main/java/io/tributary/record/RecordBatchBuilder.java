package io.tributary.record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Encodes records into one RecordBatch v2, laid out as Kafka's {@code MemoryRecordsBuilder} does:
 * base timestamp is the first record's, offset deltas count from zero, the CRC is written last.
 * Records accumulate uncompressed; with a codec ({@link #compression}) the records section is
 * compressed once, in {@link #build()}. Clients use it; the broker never builds batches from records.
 */
public final class RecordBatchBuilder {
    private final long baseOffset;
    private final long producerId;
    private final short producerEpoch;
    private final int baseSequence;
    private final int partitionLeaderEpoch;
    private ByteBuffer buffer;
    private int recordCount;
    private long baseTimestamp;
    private long maxTimestamp = -1L;
    private CompressionType compression = CompressionType.NONE;
    /** Attribute bits other than the codec (timestamp type, transactional, control): set for copies. */
    private short otherAttributes;
    /** For a compacted copy: the original's last offset delta and max timestamp; -1 / MIN_VALUE otherwise. */
    private int lastOffsetDeltaOverride = -1;
    private long maxTimestampOverride = Long.MIN_VALUE;
    private int lastOffsetDelta = -1;

    public RecordBatchBuilder(int initialCapacity) {
        this(0L, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE,
                RecordBatch.NO_PARTITION_LEADER_EPOCH, initialCapacity);
    }

    public RecordBatchBuilder(long baseOffset, long producerId, short producerEpoch, int baseSequence,
                              int partitionLeaderEpoch, int initialCapacity) {
        this.baseOffset = baseOffset;
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        this.partitionLeaderEpoch = partitionLeaderEpoch;
        this.buffer = ByteBuffer.allocate(Math.max(initialCapacity, RecordBatch.HEADER_SIZE + 64));
        buffer.position(RecordBatch.HEADER_SIZE);
    }

    /** Compresses the records section with {@code type} when the batch is built. */
    public RecordBatchBuilder compression(CompressionType type) {
        this.compression = java.util.Objects.requireNonNull(type, "type");
        return this;
    }

    /** Bytes of a record with these fields, excluding its length prefix. */
    public static int recordBodySize(int offsetDelta, long timestampDelta, byte[] key, byte[] value,
                                     List<Header> headers) {
        int size = 1 + ByteUtils.sizeOfVarlong(timestampDelta) + ByteUtils.sizeOfVarint(offsetDelta);
        size += key == null ? 1 : ByteUtils.sizeOfVarint(key.length) + key.length;
        size += value == null ? 1 : ByteUtils.sizeOfVarint(value.length) + value.length;
        size += ByteUtils.sizeOfVarint(headers.size());
        for (Header header : headers) {
            int keyLength = header.encodedKeyLength();
            size += ByteUtils.sizeOfVarint(keyLength) + keyLength;
            size += header.value() == null ? 1 : ByteUtils.sizeOfVarint(header.value().length) + header.value().length;
        }
        return size;
    }

    /** An upper bound on the bytes one more record adds; lets producers cap batch size before appending. */
    public static int estimateRecordSize(byte[] key, byte[] value, List<Header> headers) {
        return recordBodySize(Integer.MAX_VALUE, Long.MAX_VALUE, key, value, headers) + 5;
    }

    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value) {
        return append(timestamp, key, value, List.of());
    }

    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        return appendAt(recordCount, timestamp, key, value, headers);
    }

    /**
     * A copy of {@code original} holding only {@code kept}, some of its records in offset order: what
     * the log cleaner writes. As in Kafka, the base offset, the last offset delta, the producer fields,
     * the attributes and the codec stay, and each record keeps its offset, so offsets never change and
     * a producer's last sequence survives; with no record kept the batch is a bare header.
     */
    public static ByteBuffer retaining(RecordBatch original, List<Record> kept) {
        RecordBatchBuilder builder = new RecordBatchBuilder(original.baseOffset(), original.producerId(),
                original.producerEpoch(), original.baseSequence(), original.partitionLeaderEpoch(),
                Math.min(original.sizeInBytes() * 2, 1 << 20)).compression(original.compressionType());
        builder.otherAttributes = (short) (original.attributes() & ~0x07);
        builder.lastOffsetDeltaOverride = original.lastOffsetDelta();
        boolean logAppendTime = original.timestampType() == TimestampType.LOG_APPEND_TIME;
        if (logAppendTime || kept.isEmpty()) {
            builder.maxTimestampOverride = original.maxTimestamp();
        }
        if (kept.isEmpty()) {
            builder.baseTimestamp = original.baseTimestamp();
        }
        for (Record record : kept) {
            long delta = record.offset() - original.baseOffset();
            if (delta < 0 || delta > original.lastOffsetDelta()) {
                throw new IllegalArgumentException("record at offset " + record.offset() + " is not in " + original);
            }
            builder.appendAt((int) delta, record.timestamp(), record.key(), record.value(), record.headers());
        }
        return builder.build();
    }

    private RecordBatchBuilder appendAt(int offsetDelta, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        if (offsetDelta <= lastOffsetDelta) {
            throw new IllegalArgumentException("offset delta " + offsetDelta + " after " + lastOffsetDelta);
        }
        if (recordCount == 0) {
            baseTimestamp = timestamp;
        }
        lastOffsetDelta = offsetDelta;
        long timestampDelta = timestamp - baseTimestamp;
        int bodySize = recordBodySize(offsetDelta, timestampDelta, key, value, headers);
        ensureRemaining(ByteUtils.sizeOfVarint(bodySize) + bodySize);
        ByteUtils.writeVarint(bodySize, buffer);
        buffer.put((byte) 0);
        ByteUtils.writeVarlong(timestampDelta, buffer);
        ByteUtils.writeVarint(offsetDelta, buffer);
        writeBytes(key);
        writeBytes(value);
        ByteUtils.writeVarint(headers.size(), buffer);
        for (Header header : headers) {
            writeBytes(header.key().getBytes(StandardCharsets.UTF_8));
            writeBytes(header.value());
        }
        recordCount++;
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        return this;
    }

    public int recordCount() {
        return recordCount;
    }

    /** Bytes the batch would take if built now without compression. */
    public int sizeInBytes() {
        return buffer.position();
    }

    /** Writes the header and CRC and returns the batch, positioned at 0 and limited to its size. */
    public ByteBuffer build() {
        ByteBuffer out = buffer;
        int size = buffer.position();
        if (compression != CompressionType.NONE) {
            ByteBuffer records = buffer.duplicate();
            records.limit(size).position(RecordBatch.HEADER_SIZE);
            byte[] compressed = RecordCompression.compress(compression, records);
            size = RecordBatch.HEADER_SIZE + compressed.length;
            out = ByteBuffer.allocate(size);
            out.position(RecordBatch.HEADER_SIZE);
            out.put(compressed);
        }
        out.putLong(RecordBatch.BASE_OFFSET_OFFSET, baseOffset);
        out.putInt(RecordBatch.LENGTH_OFFSET, size - RecordBatch.LOG_OVERHEAD);
        out.putInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
        out.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC);
        out.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) (otherAttributes | compression.id));
        out.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, lastOffsetDeltaOverride >= 0 ? lastOffsetDeltaOverride
                : Math.max(recordCount - 1, 0));
        out.putLong(RecordBatch.BASE_TIMESTAMP_OFFSET, recordCount == 0 && lastOffsetDeltaOverride < 0 ? -1L : baseTimestamp);
        out.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, maxTimestampOverride != Long.MIN_VALUE ? maxTimestampOverride
                : maxTimestamp);
        out.putLong(RecordBatch.PRODUCER_ID_OFFSET, producerId);
        out.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, producerEpoch);
        out.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence);
        out.putInt(RecordBatch.RECORDS_COUNT_OFFSET, recordCount);
        CRC32C crc = new CRC32C();
        ByteBuffer covered = out.duplicate();
        covered.limit(size).position(RecordBatch.ATTRIBUTES_OFFSET);
        crc.update(covered);
        out.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
        ByteBuffer built = out.duplicate();
        built.limit(size).position(0);
        return built.slice();
    }

    private void writeBytes(byte[] bytes) {
        if (bytes == null) {
            ByteUtils.writeVarint(-1, buffer);
        } else {
            ByteUtils.writeVarint(bytes.length, buffer);
            buffer.put(bytes);
        }
    }

    private void ensureRemaining(int bytes) {
        if (buffer.remaining() >= bytes) {
            return;
        }
        int capacity = Math.max(buffer.capacity() * 2, buffer.position() + bytes);
        ByteBuffer grown = ByteBuffer.allocate(capacity);
        buffer.flip();
        grown.put(buffer);
        buffer = grown;
    }
}
