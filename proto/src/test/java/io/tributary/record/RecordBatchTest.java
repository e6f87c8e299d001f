package io.tributary.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecordBatchTest {

    private static ByteBuffer batch(int records) {
        RecordBatchBuilder builder = new RecordBatchBuilder(16);
        for (int i = 0; i < records; i++) {
            builder.append(1000L + i, ("key-" + i).getBytes(), ("value-" + i).getBytes(),
                    i % 2 == 0 ? List.of() : List.of(new Header("h", new byte[] {(byte) i})));
        }
        return builder.build();
    }

    @Test
    void roundTripsRecordsAndHeaderFields() {
        ByteBuffer buffer = batch(50);
        RecordBatch batch = RecordBatch.wrap(buffer);
        batch.ensureValid();
        assertThat(batch.recordCount()).isEqualTo(50);
        assertThat(batch.lastOffsetDelta()).isEqualTo(49);
        assertThat(batch.baseTimestamp()).isEqualTo(1000L);
        assertThat(batch.maxTimestamp()).isEqualTo(1049L);
        assertThat(batch.sizeInBytes()).isEqualTo(buffer.remaining());
        List<Record> records = batch.records();
        assertThat(records).hasSize(50);
        assertThat(records.get(7).value()).isEqualTo("value-7".getBytes());
        assertThat(records.get(7).headers()).containsExactly(new Header("h", new byte[] {7}));
        assertThat(records.get(7).offset()).isEqualTo(7);
    }

    @Test
    void rewritingBaseOffsetAndEpochKeepsTheCrcValid() {
        ByteBuffer buffer = batch(3);
        RecordBatch batch = RecordBatch.wrap(buffer);
        batch.setBaseOffset(123_456_789L);
        batch.setPartitionLeaderEpoch(17);
        batch.ensureValid();
        assertThat(batch.records().get(2).offset()).isEqualTo(123_456_791L);
    }

    @Test
    void everyFlippedByteInTheCrcRegionIsDetected() {
        ByteBuffer original = batch(5);
        for (int position = RecordBatch.CRC_OFFSET; position < original.remaining(); position++) {
            ByteBuffer copy = ByteBuffer.allocate(original.remaining());
            copy.put(original.duplicate()).flip();
            copy.put(position, (byte) (copy.get(position) ^ 0x01));
            RecordBatch batch = RecordBatch.wrap(copy);
            assertThatThrownBy(batch::ensureValid).as("flip at %d", position).isInstanceOf(CorruptRecordException.class);
        }
    }

    @Test
    void truncatedBatchIsRejected() {
        ByteBuffer original = batch(5);
        for (int cut = 0; cut < original.remaining(); cut++) {
            ByteBuffer truncated = original.duplicate();
            truncated.limit(cut);
            assertThatThrownBy(() -> RecordBatch.wrap(truncated)).isInstanceOf(CorruptRecordException.class);
        }
    }

    @Test
    void otherMagicIsUnsupported() {
        ByteBuffer buffer = batch(1);
        buffer.put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        assertThatThrownBy(() -> RecordBatch.wrap(buffer)).isInstanceOf(UnsupportedRecordFormatException.class)
                .hasMessageContaining("magic 1");
    }

    @Test
    void recordFramingMismatchWithValidCrcIsCorrupt() {
        // a record count that disagrees with the records present, CRC recomputed so only framing is wrong
        ByteBuffer buffer = batch(4);
        buffer.putInt(RecordBatch.RECORDS_COUNT_OFFSET, 3);
        buffer.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 2);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(buffer.duplicate().position(RecordBatch.ATTRIBUTES_OFFSET));
        buffer.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
        assertThatThrownBy(() -> RecordBatch.wrap(buffer).ensureValid()).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("stray bytes");
    }

    @Test
    void iteratesBackToBackBatches() {
        ByteBuffer all = ByteBuffer.allocate(10_000);
        long next = 0;
        for (int i = 1; i <= 5; i++) {
            ByteBuffer one = batch(i);
            RecordBatch.wrap(one).setBaseOffset(next);
            next += i;
            all.put(one);
        }
        all.flip();
        List<Record> records = RecordBatches.of(all).records(4);
        assertThat(records).hasSize(15 - 4);
        assertThat(records.get(0).offset()).isEqualTo(4);
        assertThat(records.get(records.size() - 1).offset()).isEqualTo(14);
    }

    @Test
    void varintsRoundTrip() {
        Random random = new Random(99);
        ByteBuffer buffer = ByteBuffer.allocate(16);
        for (int i = 0; i < 10_000; i++) {
            int v = i < 100 ? i - 50 : random.nextInt();
            long l = i < 100 ? i - 50 : random.nextLong();
            buffer.clear();
            ByteUtils.writeVarint(v, buffer);
            assertThat(buffer.position()).isEqualTo(ByteUtils.sizeOfVarint(v));
            buffer.flip();
            assertThat(ByteUtils.readVarint(buffer)).isEqualTo(v);
            buffer.clear();
            ByteUtils.writeVarlong(l, buffer);
            assertThat(buffer.position()).isEqualTo(ByteUtils.sizeOfVarlong(l));
            buffer.flip();
            assertThat(ByteUtils.readVarlong(buffer)).isEqualTo(l);
        }
    }
}
