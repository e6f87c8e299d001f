package io.tributary.broker.log;

import io.tributary.record.CompressionType;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatches;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What a leader checks and converts in a produce request's batches before they reach its log (the
 * part of Kafka's LogValidator that needs records; {@link PartitionLog} checks every append's
 * framing and CRCs itself). A compressed batch is decompressed as a stream to check its record
 * count, offsets and framing and then stored as it came; on a compacted topic every record must
 * have a key; a batch is recompressed only when the topic's compression.type names another codec.
 * Nothing is written when any batch is refused.
 */
public final class ProducedBatches {
    /** The batches to append (the request's own buffer unless a batch was converted) and their views. */
    public record Prepared(ByteBuffer batches, List<RecordBatch> parsed) {
    }

    private ProducedBatches() {
    }

    /**
     * @throws io.tributary.record.CorruptRecordException a CRC, framing or payload that does not decompress
     * @throws io.tributary.record.InvalidRecordException a record without a key on a compacted topic
     * @throws MessageTooLargeException a batch larger than max.message.bytes, before it is decompressed
     */
    public static Prepared prepare(ByteBuffer batches, LogConfig config) {
        List<RecordBatch> parsed = new ArrayList<>();
        boolean converts = false;
        for (RecordBatch batch : RecordBatches.of(batches)) {
            if (batch.sizeInBytes() > config.maxMessageBytes()) {
                throw new MessageTooLargeException(batch.sizeInBytes(), config.maxMessageBytes());
            }
            CompressionType sent = batch.compressionType();
            boolean converted = config.compression().storedCodec(sent) != sent;
            if (sent != CompressionType.NONE || config.compaction().enabled() || converted) {
                batch.ensureValidAsProduced(); // the CRC first: no codec reads a payload that arrived damaged
                batch.validateRecords(config.compaction().enabled());
            }
            converts |= converted;
            parsed.add(batch);
        }
        return converts ? convert(parsed, config.compression()) : new Prepared(batches, parsed);
    }

    private static Prepared convert(List<RecordBatch> batches, TopicCompression compression) {
        List<ByteBuffer> stored = new ArrayList<>(batches.size());
        int size = 0;
        for (RecordBatch batch : batches) {
            CompressionType codec = compression.storedCodec(batch.compressionType());
            ByteBuffer bytes = codec == batch.compressionType() ? batch.slice() : batch.withCompression(codec);
            stored.add(bytes);
            size += bytes.remaining();
        }
        ByteBuffer joined = ByteBuffer.allocate(size);
        stored.forEach(joined::put);
        joined.flip();
        List<RecordBatch> parsed = new ArrayList<>(batches.size());
        RecordBatches.of(joined).forEach(parsed::add);
        return new Prepared(joined, parsed);
    }
}
