package io.tributary.record;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A view over one Kafka RecordBatch v2 (magic 2) held in a buffer, byte-compatible with Kafka's
 * {@code DefaultRecordBatch}. The view never copies record bytes: the broker validates a batch and
 * rewrites its base offset and leader epoch in place, fields the CRC does not cover.
 *
 * <pre>
 * offset  field                 size
 *  0      baseOffset            int64
 *  8      batchLength           int32   (bytes after this field)
 * 12      partitionLeaderEpoch  int32
 * 16      magic                 int8    (= 2)
 * 17      crc                   uint32  (CRC32C of bytes 21..end)
 * 21      attributes            int16   (bits 0-2 codec, 3 timestamp type, 4 transactional, 5 control)
 * 23      lastOffsetDelta       int32
 * 27      baseTimestamp         int64
 * 35      maxTimestamp          int64
 * 43      producerId            int64
 * 51      producerEpoch         int16
 * 53      baseSequence          int32
 * 57      recordCount           int32
 * 61      records...
 * </pre>
 */
public final class RecordBatch {
    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORDS_COUNT_OFFSET = 57;
    public static final int HEADER_SIZE = 61;
    /** Bytes before and including the length field; batchLength counts the rest. */
    public static final int LOG_OVERHEAD = 12;
    public static final byte MAGIC = 2;

    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;

    private static final int COMPRESSION_MASK = 0x07;
    private static final int TIMESTAMP_TYPE_MASK = 0x08;
    private static final int TRANSACTIONAL_MASK = 0x10;
    private static final int CONTROL_MASK = 0x20;

    private final ByteBuffer buffer;
    private final int start;

    /**
     * @param buffer big-endian buffer holding the batch
     * @param start absolute position of the batch's first byte
     */
    private RecordBatch(ByteBuffer buffer, int start) {
        this.buffer = buffer;
        this.start = start;
    }

    /**
     * Wraps the batch at {@code start} after checking that its header and declared length fit in
     * {@code limit}. Does not check the CRC: call {@link #ensureValid()}.
     */
    public static RecordBatch wrap(ByteBuffer buffer, int start, int limit) {
        if (buffer.order() != ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException("record batches are big-endian");
        }
        int available = limit - start;
        if (available < HEADER_SIZE) {
            throw new CorruptRecordException("batch header truncated: " + available + " bytes, need " + HEADER_SIZE);
        }
        int batchLength = buffer.getInt(start + LENGTH_OFFSET);
        if (batchLength < HEADER_SIZE - LOG_OVERHEAD) {
            throw new CorruptRecordException("batch length " + batchLength + " is shorter than the header");
        }
        if ((long) batchLength + LOG_OVERHEAD > available) {
            throw new CorruptRecordException("batch length " + batchLength + " exceeds the "
                    + (available - LOG_OVERHEAD) + " bytes present");
        }
        byte magic = buffer.get(start + MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new UnsupportedRecordFormatException("record batch magic " + magic + " is not supported, only 2");
        }
        return new RecordBatch(buffer, start);
    }

    /** Wraps a buffer that holds exactly one batch from its position. */
    public static RecordBatch wrap(ByteBuffer buffer) {
        return wrap(buffer, buffer.position(), buffer.limit());
    }

    public int start() {
        return start;
    }

    /** Total size in bytes, header included. */
    public int sizeInBytes() {
        return buffer.getInt(start + LENGTH_OFFSET) + LOG_OVERHEAD;
    }

    public long baseOffset() {
        return buffer.getLong(start + BASE_OFFSET_OFFSET);
    }

    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    public long nextOffset() {
        return lastOffset() + 1;
    }

    public int partitionLeaderEpoch() {
        return buffer.getInt(start + PARTITION_LEADER_EPOCH_OFFSET);
    }

    public byte magic() {
        return buffer.get(start + MAGIC_OFFSET);
    }

    public long checksum() {
        return Integer.toUnsignedLong(buffer.getInt(start + CRC_OFFSET));
    }

    public short attributes() {
        return buffer.getShort(start + ATTRIBUTES_OFFSET);
    }

    public CompressionType compressionType() {
        return CompressionType.forId(attributes() & COMPRESSION_MASK);
    }

    public TimestampType timestampType() {
        return (attributes() & TIMESTAMP_TYPE_MASK) == 0 ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
    }

    public boolean isTransactional() {
        return (attributes() & TRANSACTIONAL_MASK) != 0;
    }

    public boolean isControlBatch() {
        return (attributes() & CONTROL_MASK) != 0;
    }

    public int lastOffsetDelta() {
        return buffer.getInt(start + LAST_OFFSET_DELTA_OFFSET);
    }

    public long baseTimestamp() {
        return buffer.getLong(start + BASE_TIMESTAMP_OFFSET);
    }

    public long maxTimestamp() {
        return buffer.getLong(start + MAX_TIMESTAMP_OFFSET);
    }

    public long producerId() {
        return buffer.getLong(start + PRODUCER_ID_OFFSET);
    }

    public short producerEpoch() {
        return buffer.getShort(start + PRODUCER_EPOCH_OFFSET);
    }

    public int baseSequence() {
        return buffer.getInt(start + BASE_SEQUENCE_OFFSET);
    }

    public int recordCount() {
        return buffer.getInt(start + RECORDS_COUNT_OFFSET);
    }

    /** CRC32C over the attributes field to the end of the batch, as Kafka computes it. */
    public long computeChecksum() {
        CRC32C crc = new CRC32C();
        ByteBuffer region = buffer.duplicate();
        region.limit(start + sizeInBytes()).position(start + ATTRIBUTES_OFFSET);
        crc.update(region);
        return crc.getValue();
    }

    public boolean isValid() {
        return checksum() == computeChecksum();
    }

    /**
     * Checks a stored batch as any replica may hold it: the CRC and, for an uncompressed batch, that
     * the records' framing adds up (lengths that end exactly at the batch end, offset deltas
     * increasing and within the last offset delta, no more records than offsets). A compacted batch
     * passes: compaction removes records but keeps the batch's offsets and its last offset delta (so
     * producer state survives), and may leave a batch with no record at all. A compressed batch's
     * records are not decompressed here (recovery and followers trust what a leader validated).
     * Allocates nothing.
     *
     * @throws CorruptRecordException when any of it is wrong
     * @throws UnsupportedRecordFormatException for a codec id no Kafka version defines
     */
    public void ensureValid() {
        checkCrcAndCount();
        if (compressionType() == CompressionType.NONE) {
            validateUncompressedRecords(recordCount(), false);
        }
    }

    /**
     * Checks a batch as a producer must send it: {@link #ensureValid()}, at least one record, and
     * offset deltas exactly 0..n-1 for an uncompressed batch (a compressed one is walked by
     * {@link #validateRecords}).
     */
    public void ensureValidAsProduced() {
        checkCrcAndCount();
        int count = recordCount();
        if (count == 0) {
            throw new CorruptRecordException("batch at base offset " + baseOffset() + " holds no records");
        }
        if (lastOffsetDelta() != count - 1) {
            throw new CorruptRecordException("last offset delta " + lastOffsetDelta() + " does not match "
                    + count + " records");
        }
        if (compressionType() == CompressionType.NONE) {
            validateUncompressedRecords(count, true);
        }
    }

    private void checkCrcAndCount() {
        long stored = checksum();
        long computed = computeChecksum();
        if (stored != computed) {
            throw new CorruptRecordException("batch at base offset " + baseOffset() + " has CRC " + stored
                    + " but its bytes give " + computed);
        }
        int count = recordCount();
        if (count < 0) {
            throw new CorruptRecordException("negative record count " + count);
        }
        if (lastOffsetDelta() < 0 || count > lastOffsetDelta() + 1L) {
            throw new CorruptRecordException("last offset delta " + lastOffsetDelta() + " cannot hold "
                    + count + " records");
        }
    }

    private void validateUncompressedRecords(int count, boolean dense) {
        ByteBuffer records = recordsRegion();
        int previousDelta = -1;
        int lastDelta = lastOffsetDelta();
        try {
            for (int i = 0; i < count; i++) {
                int length = ByteUtils.readVarint(records);
                if (length < 1 || length > records.remaining()) {
                    throw new CorruptRecordException("record " + i + " has length " + length + " with "
                            + records.remaining() + " bytes left in the batch");
                }
                int recordEnd = records.position() + length;
                records.get(); // attributes
                ByteUtils.readVarlong(records); // timestamp delta
                int offsetDelta = ByteUtils.readVarint(records);
                if (dense ? offsetDelta != i : offsetDelta <= previousDelta || offsetDelta > lastDelta) {
                    throw new CorruptRecordException("record " + i + " has offset delta " + offsetDelta);
                }
                previousDelta = offsetDelta;
                records.position(recordEnd);
            }
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptRecordException("record framing runs past the batch end");
        }
        if (records.hasRemaining()) {
            throw new CorruptRecordException(records.remaining() + " stray bytes after " + count + " records");
        }
    }

    /**
     * Walks every record as a stream, decompressing a compressed batch without keeping what it
     * decompresses: the record count, offset deltas 0..n-1, lengths that end exactly at the end of
     * the records, and with {@code keysRequired} (a compacted topic) a key on every record. The
     * leader's check before it appends; call {@link #ensureValidAsProduced()} first, so that a corrupt
     * payload is caught by its CRC before any codec reads it.
     *
     * @throws CorruptRecordException when the payload does not decompress or its framing is wrong
     * @throws InvalidRecordException when a key is required and a record has none
     */
    public void validateRecords(boolean keysRequired) {
        CompressionType type = compressionType();
        try (InputStream records = RecordCompression.decompressing(type, recordsRegion())) {
            RecordStreamValidator.validate(records, recordCount(), keysRequired);
        } catch (CorruptRecordException e) {
            throw new CorruptRecordException("batch at base offset " + baseOffset() + " (" + type + "): "
                    + e.getMessage(), e);
        } catch (RecordFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw undecompressable(type, e);
        }
    }

    /**
     * The records section's bytes, uncompressed: a view of the batch for an uncompressed one, a
     * new buffer holding the decompressed payload otherwise.
     *
     * @throws CorruptRecordException when a compressed payload does not decompress
     */
    public ByteBuffer uncompressedRecords() {
        CompressionType type = compressionType();
        if (type == CompressionType.NONE) {
            return recordsRegion().slice();
        }
        try (InputStream records = RecordCompression.decompressing(type, recordsRegion())) {
            return ByteBuffer.wrap(records.readAllBytes());
        } catch (IOException | RuntimeException e) {
            throw undecompressable(type, e);
        }
    }

    /**
     * This batch with its records section compressed by {@code target} instead (records, offsets,
     * timestamps and producer fields unchanged; the length and CRC computed again): what a broker
     * stores when a topic's compression.type names a codec other than the producer's.
     */
    public ByteBuffer withCompression(CompressionType target) {
        ByteBuffer records = uncompressedRecords();
        byte[] compressed = target == CompressionType.NONE ? null : RecordCompression.compress(target, records);
        int recordsSize = compressed == null ? records.remaining() : compressed.length;
        ByteBuffer out = ByteBuffer.allocate(HEADER_SIZE + recordsSize);
        ByteBuffer header = buffer.duplicate();
        header.limit(start + HEADER_SIZE).position(start);
        out.put(header);
        if (compressed == null) {
            out.put(records.duplicate());
        } else {
            out.put(compressed);
        }
        out.putInt(LENGTH_OFFSET, HEADER_SIZE + recordsSize - LOG_OVERHEAD);
        out.putShort(ATTRIBUTES_OFFSET, (short) ((attributes() & ~COMPRESSION_MASK) | target.id));
        out.flip();
        RecordBatch rewritten = new RecordBatch(out, 0);
        out.putInt(CRC_OFFSET, (int) rewritten.computeChecksum());
        return out;
    }

    private CorruptRecordException undecompressable(CompressionType type, Exception cause) {
        return new CorruptRecordException("batch at base offset " + baseOffset() + " has a " + type
                + " payload that does not decompress: " + cause, cause);
    }

    /** Sets the base offset in place (the CRC does not cover it). */
    public void setBaseOffset(long baseOffset) {
        buffer.putLong(start + BASE_OFFSET_OFFSET, baseOffset);
    }

    /** Sets the partition leader epoch in place (the CRC does not cover it). */
    public void setPartitionLeaderEpoch(int epoch) {
        buffer.putInt(start + PARTITION_LEADER_EPOCH_OFFSET, epoch);
    }

    /**
     * Stamps the batch with the broker's append time (message.timestamp.type=LogAppendTime, as
     * Kafka does): the timestamp-type attribute and the max timestamp, which readers then give
     * every record of the batch; the CRC, which covers both, is computed again.
     */
    public void setLogAppendTime(long timestampMs) {
        buffer.putShort(start + ATTRIBUTES_OFFSET, (short) (attributes() | TIMESTAMP_TYPE_MASK));
        buffer.putLong(start + MAX_TIMESTAMP_OFFSET, timestampMs);
        buffer.putInt(start + CRC_OFFSET, (int) computeChecksum());
    }

    /** A duplicate buffer positioned on this batch's bytes only. */
    public ByteBuffer slice() {
        ByteBuffer dup = buffer.duplicate();
        dup.limit(start + sizeInBytes()).position(start);
        return dup.slice();
    }

    /**
     * Decodes every record, decompressing a compressed batch. For clients, tools and tests; the
     * broker's produce and fetch paths never call it.
     *
     * @throws CorruptRecordException when the records are malformed or do not decompress
     */
    public List<Record> records() {
        int count = recordCount();
        List<Record> out = new ArrayList<>(count);
        ByteBuffer records = uncompressedRecords();
        long baseOffset = baseOffset();
        long baseTimestamp = baseTimestamp();
        boolean logAppendTime = timestampType() == TimestampType.LOG_APPEND_TIME;
        try {
            for (int i = 0; i < count; i++) {
                int length = ByteUtils.readVarint(records);
                int recordEnd = records.position() + length;
                records.get(); // record attributes: unused in v2
                long timestampDelta = ByteUtils.readVarlong(records);
                int offsetDelta = ByteUtils.readVarint(records);
                byte[] key = readBytes(records, ByteUtils.readVarint(records));
                byte[] value = readBytes(records, ByteUtils.readVarint(records));
                int headerCount = ByteUtils.readVarint(records);
                if (headerCount < 0) {
                    throw new CorruptRecordException("negative header count " + headerCount);
                }
                List<Header> headers = new ArrayList<>(headerCount);
                for (int h = 0; h < headerCount; h++) {
                    byte[] headerKey = readBytes(records, ByteUtils.readVarint(records));
                    if (headerKey == null) {
                        throw new CorruptRecordException("null header key");
                    }
                    byte[] headerValue = readBytes(records, ByteUtils.readVarint(records));
                    headers.add(new Header(new String(headerKey, StandardCharsets.UTF_8), headerValue));
                }
                if (records.position() != recordEnd) {
                    throw new CorruptRecordException("record " + i + " length does not match its fields");
                }
                long timestamp = logAppendTime ? maxTimestamp() : baseTimestamp + timestampDelta;
                out.add(new Record(baseOffset + offsetDelta, timestamp, key, value, headers));
            }
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptRecordException("record framing runs past the batch end");
        }
        return out;
    }

    private ByteBuffer recordsRegion() {
        ByteBuffer records = buffer.duplicate();
        records.limit(start + sizeInBytes()).position(start + HEADER_SIZE);
        return records;
    }

    private static byte[] readBytes(ByteBuffer buffer, int length) {
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "RecordBatch(baseOffset=" + baseOffset() + ", lastOffset=" + lastOffset() + ", size="
                + sizeInBytes() + ", records=" + recordCount() + ")";
    }
}
