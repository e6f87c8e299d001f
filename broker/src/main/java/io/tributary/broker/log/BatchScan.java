package io.tributary.broker.log;

import io.tributary.record.RecordBatch;
import io.tributary.record.RecordFormatException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Pure logic over bytes read from a segment: where the valid prefix of a run of batches ends
 * (recovery) and which whole batches a fetch returns. No I/O, so both are tested on plain buffers.
 */
final class BatchScan {
    /** Why {@link #validPrefix} stopped. */
    enum Stop {
        /** Every byte of the buffer belongs to a valid batch. */
        END,
        /** The bytes after the prefix start a batch whose declared length runs past the buffer. */
        INCOMPLETE,
        /** The bytes after the prefix are not a valid batch (bad header, magic, CRC, framing, offset). */
        CORRUPT
    }

    /** One valid batch found by a scan; {@code position} is relative to where the scan's buffer started. */
    record BatchEntry(long baseOffset, long lastOffset, long maxTimestamp, int position, int size) {
        long nextOffset() {
            return lastOffset + 1;
        }
    }

    /**
     * @param batches the valid batches, in order
     * @param validBytes bytes from the buffer start covered by them
     * @param stop why the scan ended
     * @param neededBytes for {@link Stop#INCOMPLETE}: bytes the incomplete batch needs from its start
     * @param reason for {@link Stop#CORRUPT}: what is wrong
     */
    record Prefix(List<BatchEntry> batches, int validBytes, Stop stop, long neededBytes, String reason) {
        long nextOffset(long ifEmpty) {
            return batches.isEmpty() ? ifEmpty : batches.get(batches.size() - 1).nextOffset();
        }
    }

    private BatchScan() {
    }

    /**
     * Validates back-to-back batches from {@code buffer}'s position to its limit: header, magic 2, CRC
     * and record framing, and dense offsets starting at {@code expectedBaseOffset}.
     * Positions in the result are relative to the buffer's position.
     */
    static Prefix validPrefix(ByteBuffer buffer, long expectedBaseOffset) {
        return validPrefix(buffer, expectedBaseOffset, Long.MIN_VALUE);
    }

    /**
     * As {@link #validPrefix(ByteBuffer, long)}, but a batch based at or below {@code gapsAllowedBelow}
     * (the offset the log is compacted up to) may start after the previous one ended: compaction
     * removed the batches between them. Above it offsets must be dense, so that a batch whose base
     * offset (not covered by the CRC) was damaged is still found.
     */
    static Prefix validPrefix(ByteBuffer buffer, long expectedBaseOffset, long gapsAllowedBelow) {
        ByteBuffer buf = buffer.duplicate(); // big-endian
        int start = buf.position();
        int limit = buf.limit();
        int pos = start;
        long expected = expectedBaseOffset;
        List<BatchEntry> out = new ArrayList<>();
        while (pos < limit) {
            int available = limit - pos;
            if (available < RecordBatch.HEADER_SIZE) {
                // A header cut short: cannot tell torn from corrupt; it needs at least the header.
                if (available >= RecordBatch.LOG_OVERHEAD) {
                    int length = buf.getInt(pos + RecordBatch.LENGTH_OFFSET);
                    if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD) {
                        return new Prefix(out, pos - start, Stop.CORRUPT, 0, "batch length " + length + " is shorter than the header");
                    }
                    return new Prefix(out, pos - start, Stop.INCOMPLETE, (long) length + RecordBatch.LOG_OVERHEAD, null);
                }
                return new Prefix(out, pos - start, Stop.INCOMPLETE, RecordBatch.HEADER_SIZE, null);
            }
            int length = buf.getInt(pos + RecordBatch.LENGTH_OFFSET);
            if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD) {
                return new Prefix(out, pos - start, Stop.CORRUPT, 0, "batch length " + length + " is shorter than the header");
            }
            long size = (long) length + RecordBatch.LOG_OVERHEAD;
            if (size > available) {
                return new Prefix(out, pos - start, Stop.INCOMPLETE, size, null);
            }
            RecordBatch batch;
            try {
                batch = RecordBatch.wrap(buf, pos, limit);
                batch.ensureValid();
            } catch (RecordFormatException e) {
                return new Prefix(out, pos - start, Stop.CORRUPT, 0, e.getMessage());
            }
            boolean compactedGap = batch.baseOffset() > expected && batch.baseOffset() <= gapsAllowedBelow;
            if (batch.baseOffset() != expected && !compactedGap) {
                return new Prefix(out, pos - start, Stop.CORRUPT, 0, "batch has base offset " + batch.baseOffset()
                        + " where " + expected + " was expected");
            }
            out.add(new BatchEntry(batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp(), pos - start, (int) size));
            expected = batch.nextOffset();
            pos += (int) size;
        }
        return new Prefix(out, pos - start, Stop.END, 0, null);
    }

    /**
     * The length of the leading run of whole batches in {@code buffer} (from position 0 to its limit)
     * whose last offset is below {@code maxOffset}. Trusts the bytes: they were validated on append.
     */
    static int wholeBatchesBelow(ByteBuffer buffer, long maxOffset) {
        int limit = buffer.limit();
        int pos = 0;
        while (limit - pos >= RecordBatch.HEADER_SIZE) {
            int size = wholeBatchSize(buffer, pos, limit - pos, maxOffset);
            if (size == 0) {
                break;
            }
            pos += size;
        }
        return pos;
    }

    /**
     * The size of the batch whose header starts at {@code at} in {@code header}, if the whole batch
     * fits in the {@code room} bytes left and its last offset is below {@code maxOffset}; else 0.
     */
    static int wholeBatchSize(ByteBuffer header, int at, int room, long maxOffset) {
        int size = header.getInt(at + RecordBatch.LENGTH_OFFSET) + RecordBatch.LOG_OVERHEAD;
        if (size < RecordBatch.HEADER_SIZE || size > room) {
            return 0;
        }
        long last = header.getLong(at + RecordBatch.BASE_OFFSET_OFFSET) + header.getInt(at + RecordBatch.LAST_OFFSET_DELTA_OFFSET);
        return last < maxOffset ? size : 0;
    }
}
