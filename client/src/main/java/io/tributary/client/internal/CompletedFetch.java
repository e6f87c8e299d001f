package io.tributary.client.internal;

import io.tributary.client.ConsumerRecord;
import io.tributary.client.CorruptRecordException;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.record.ByteUtils;
import io.tributary.record.Header;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordFormatException;
import io.tributary.record.TimestampType;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The data (or error) one fetch returned for one partition, decoded lazily as {@code poll} hands
 * records out: records go straight from the batch bytes to {@link ConsumerRecord}s, skipping those
 * below the consumer's position (the first batch may start before the fetch offset) and control
 * batches.
 */
public final class CompletedFetch {
    private final TopicPartition partition;
    private final long fetchOffset;
    private final ErrorCode error;
    private final String errorMessage;
    private final long leaderLogStartOffset;
    private final ByteBuffer records;
    private final int limit;
    private final boolean checkCrcs;
    private final long nextFetchOffset;
    private int nextBatchPosition;
    private ByteBuffer cursor;
    private int remainingInBatch;
    private long baseOffset;
    private long baseTimestamp;
    private long logAppendTimestamp = -1;
    private long batchNextOffset;
    private int batchLeaderEpoch = -1;
    private boolean exhausted;

    private CompletedFetch(TopicPartition partition, long fetchOffset, ErrorCode error, String errorMessage,
                           long leaderLogStartOffset, ByteBuffer records, boolean checkCrcs) {
        this.partition = partition;
        this.fetchOffset = fetchOffset;
        this.error = error;
        this.errorMessage = errorMessage;
        this.leaderLogStartOffset = leaderLogStartOffset;
        this.records = records;
        this.checkCrcs = checkCrcs;
        this.nextBatchPosition = records == null ? 0 : records.position();
        this.limit = records == null ? 0 : records.limit();
        this.nextFetchOffset = records == null ? fetchOffset : scanNextOffset();
    }

    /** Data for a partition; {@code records} is big-endian, positioned on the first batch. */
    public static CompletedFetch ofRecords(TopicPartition partition, long fetchOffset, ByteBuffer records,
                                           boolean checkCrcs) {
        return new CompletedFetch(partition, fetchOffset, ErrorCode.NONE, "", -1, records, checkCrcs);
    }

    /** @param leaderLogStartOffset the answering leader's log start offset, -1 if it gave none */
    public static CompletedFetch ofError(TopicPartition partition, long fetchOffset, ErrorCode error, String message,
                                         long leaderLogStartOffset) {
        return new CompletedFetch(partition, fetchOffset, error, message, leaderLogStartOffset, null, false);
    }

    public ErrorCode error() {
        return error;
    }

    public String errorMessage() {
        return errorMessage;
    }

    /** The log start offset of the leader that answered with an error, -1 if unknown. */
    public long leaderLogStartOffset() {
        return leaderLogStartOffset;
    }

    public long fetchOffset() {
        return fetchOffset;
    }

    /** The leader epoch of the batch the last record handed out came from (-1 before any). */
    public int lastLeaderEpoch() {
        return batchLeaderEpoch;
    }

    /** The offset after the last whole batch in the data: where the next fetch starts. */
    public long nextFetchOffset() {
        return nextFetchOffset;
    }

    public boolean isExhausted() {
        return exhausted || records == null;
    }

    private long scanNextOffset() {
        long next = fetchOffset;
        int position = nextBatchPosition;
        while (limit - position >= RecordBatch.HEADER_SIZE) {
            int size = records.getInt(position + RecordBatch.LENGTH_OFFSET) + RecordBatch.LOG_OVERHEAD;
            if (size < RecordBatch.HEADER_SIZE || size > limit - position) {
                break;
            }
            long lastOffset = records.getLong(position + RecordBatch.BASE_OFFSET_OFFSET)
                    + records.getInt(position + RecordBatch.LAST_OFFSET_DELTA_OFFSET);
            next = Math.max(next, lastOffset + 1);
            position += size;
        }
        return next;
    }

    /**
     * Appends records at or after {@code position} to {@code out} until it holds {@code maxRecords}.
     *
     * @return the new position: after the last record handed out or batch skipped
     * @throws CorruptRecordException for a batch failing its CRC or framing
     */
    public long drain(List<ConsumerRecord> out, int maxRecords, long position) {
        try {
            while (out.size() < maxRecords && !exhausted) {
                if (cursor == null) {
                    position = openNextBatch(position);
                    continue;
                }
                if (remainingInBatch == 0) {
                    position = Math.max(position, batchNextOffset);
                    cursor = null;
                    continue;
                }
                remainingInBatch--;
                position = readRecord(out, position);
            }
            return position;
        } catch (BufferUnderflowException | IllegalArgumentException | RecordFormatException e) {
            throw new CorruptRecordException("malformed record batch in " + partition + " near offset " + position
                    + ": " + e.getMessage());
        }
    }

    /** Opens the next batch, or skips it, or marks the data exhausted; returns the position after. */
    private long openNextBatch(long position) {
        if (limit - nextBatchPosition < RecordBatch.HEADER_SIZE) {
            exhausted = true;
            return position;
        }
        int size = records.getInt(nextBatchPosition + RecordBatch.LENGTH_OFFSET) + RecordBatch.LOG_OVERHEAD;
        if (size > limit - nextBatchPosition && nextBatchPosition > records.position()) {
            exhausted = true; // a truncated trailing batch: the next fetch starts at it
            return position;
        }
        RecordBatch batch = RecordBatch.wrap(records, nextBatchPosition, limit);
        nextBatchPosition += batch.sizeInBytes();
        if (batch.lastOffset() < position || batch.isControlBatch()) {
            return Math.max(position, batch.nextOffset());
        }
        if (checkCrcs && !batch.isValid()) {
            throw new CorruptRecordException("record batch at offset " + batch.baseOffset() + " of " + partition
                    + " fails its CRC check (stored " + batch.checksum() + ", computed " + batch.computeChecksum() + ")");
        }
        cursor = batch.uncompressedRecords(); // a view, or the decompressed records of a compressed batch
        remainingInBatch = batch.recordCount();
        baseOffset = batch.baseOffset();
        baseTimestamp = batch.baseTimestamp();
        logAppendTimestamp = batch.timestampType() == TimestampType.LOG_APPEND_TIME ? batch.maxTimestamp() : -1;
        batchNextOffset = batch.nextOffset();
        batchLeaderEpoch = batch.partitionLeaderEpoch();
        return position;
    }

    private long readRecord(List<ConsumerRecord> out, long position) {
        ByteBuffer in = cursor;
        int length = ByteUtils.readVarint(in);
        int recordEnd = in.position() + length;
        if (length < 1 || recordEnd > in.limit()) {
            throw new CorruptRecordException("record length " + length + " runs past its batch");
        }
        in.get(); // attributes, unused in v2
        long timestampDelta = ByteUtils.readVarlong(in);
        long offset = baseOffset + ByteUtils.readVarint(in);
        if (offset < position) {
            in.position(recordEnd);
            return position;
        }
        byte[] key = readBytes(in);
        byte[] value = readBytes(in);
        int headerCount = ByteUtils.readVarint(in);
        List<Header> headers;
        if (headerCount == 0) {
            headers = List.of();
        } else if (headerCount < 0) {
            throw new CorruptRecordException("negative header count " + headerCount);
        } else {
            List<Header> list = new ArrayList<>(headerCount);
            for (int h = 0; h < headerCount; h++) {
                byte[] headerKey = readBytes(in);
                if (headerKey == null) {
                    throw new CorruptRecordException("null header key");
                }
                list.add(new Header(new String(headerKey, StandardCharsets.UTF_8), readBytes(in)));
            }
            headers = java.util.Collections.unmodifiableList(list);
        }
        if (in.position() != recordEnd) {
            throw new CorruptRecordException("record at offset " + offset + " has a length that does not match its fields");
        }
        long timestamp = logAppendTimestamp >= 0 ? logAppendTimestamp : baseTimestamp + timestampDelta;
        out.add(new ConsumerRecord(partition.topic(), partition.partition(), offset, timestamp, key, value, headers));
        return offset + 1;
    }

    private static byte[] readBytes(ByteBuffer in) {
        int length = ByteUtils.readVarint(in);
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }
}
