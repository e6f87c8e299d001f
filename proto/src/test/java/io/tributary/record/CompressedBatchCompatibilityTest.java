package io.tributary.record;

import static io.tributary.record.KafkaBatches.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.record.KafkaBatches.Input;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compressed batches against kafka-clients, for every codec: the batches we build are the bytes
 * Kafka's producer builds, Kafka's consumer reads ours and we read theirs, and the broker's checks
 * accept both and refuse a payload that does not decompress.
 */
class CompressedBatchCompatibilityTest {
    private static final List<CompressionType> CODECS =
            List.of(CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD);

    static Stream<Arguments> codecsAndSeeds() {
        return CODECS.stream().flatMap(codec -> Stream.of(1L, 2L, 3L).map(seed -> Arguments.of(codec, seed)));
    }

    /** JSON-like values, compressible as real payloads are, with random keys, nulls and headers. */
    private static List<Input> inputs(Random random, int count) {
        List<Input> inputs = new ArrayList<>();
        long timestamp = 1_700_000_000_000L + random.nextInt(1_000_000);
        for (int i = 0; i < count; i++) {
            timestamp += random.nextInt(50) - 10;
            byte[] key = random.nextInt(5) == 0 ? null : ("user-" + random.nextInt(1000)).getBytes(StandardCharsets.UTF_8);
            byte[] value = random.nextInt(10) == 0 ? null : ("{\"id\":" + random.nextInt() + ",\"event\":\"click\","
                    + "\"page\":\"/products/" + random.nextInt(500) + "\",\"ms\":" + random.nextInt(10_000) + "}")
                    .getBytes(StandardCharsets.UTF_8);
            List<Header> headers = new ArrayList<>();
            for (int h = random.nextInt(3); h > 0; h--) {
                headers.add(new Header("trace-" + h, random.nextInt(4) == 0 ? null : new byte[] {(byte) random.nextInt()}));
            }
            inputs.add(new Input(timestamp, key, value, headers));
        }
        return inputs;
    }

    private static ByteBuffer kafkaBatch(List<Input> inputs, CompressionType codec, long producerId, short epoch,
                                         int sequence) {
        return KafkaBatches.kafkaBatch(inputs, codec, 0L, producerId, epoch, sequence, -1);
    }

    private static ByteBuffer ourBatch(List<Input> inputs, CompressionType codec, long producerId, short epoch,
                                       int sequence) {
        return KafkaBatches.ourBatch(inputs, codec, 0L, producerId, epoch, sequence, -1);
    }

    @ParameterizedTest
    @MethodSource("codecsAndSeeds")
    void ourCompressedBatchesAreByteIdenticalToKafkas(CompressionType codec, long seed) {
        List<Input> inputs = inputs(new Random(seed), 1 + new Random(seed).nextInt(400));

        byte[] ours = bytes(ourBatch(inputs, codec, 77L, (short) 2, 10));
        byte[] theirs = bytes(kafkaBatch(inputs, codec, 77L, (short) 2, 10));

        assertThat(ours).isEqualTo(theirs);
        assertThat(ours.length).isLessThan(bytes(ourBatch(inputs, CompressionType.NONE, 77L, (short) 2, 10)).length);
    }

    @ParameterizedTest
    @MethodSource("codecsAndSeeds")
    void weReadKafkasCompressedBatches(CompressionType codec, long seed) {
        List<Input> inputs = inputs(new Random(seed), 1 + new Random(seed).nextInt(400));
        RecordBatch batch = RecordBatch.wrap(kafkaBatch(inputs, codec, 5L, (short) 0, 0));

        batch.ensureValid();
        batch.validateRecords(false);
        assertThat(batch.compressionType()).isEqualTo(codec);
        List<Record> records = batch.records();
        assertThat(records).hasSize(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            assertThat(records.get(i)).isEqualTo(new Record(i, in.timestamp(), in.key(), in.value(), in.headers()));
        }
    }

    @ParameterizedTest
    @MethodSource("codecsAndSeeds")
    void kafkaReadsOurCompressedBatches(CompressionType codec, long seed) {
        List<Input> inputs = inputs(new Random(seed), 1 + new Random(seed).nextInt(400));
        ByteBuffer ours = ourBatch(inputs, codec, -1L, (short) -1, -1);
        RecordBatch.wrap(ours).setBaseOffset(9000); // as the broker assigns offsets, in place

        Iterator<MutableRecordBatch> batches = MemoryRecords.readableRecords(ours).batches().iterator();
        MutableRecordBatch batch = batches.next();
        assertThat(batches.hasNext()).isFalse();
        batch.ensureValid();
        assertThat((int) batch.compressionType().id).isEqualTo(codec.id);
        int i = 0;
        for (org.apache.kafka.common.record.internal.Record record : batch) {
            Input in = inputs.get(i);
            assertThat(record.offset()).isEqualTo(9000 + i);
            assertThat(record.timestamp()).isEqualTo(in.timestamp());
            assertThat(record.hasKey() ? bytes(record.key()) : null).isEqualTo(in.key());
            assertThat(record.hasValue() ? bytes(record.value()) : null).isEqualTo(in.value());
            assertThat(record.headers()).hasSize(in.headers().size());
            i++;
        }
        assertThat(i).isEqualTo(inputs.size());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void recompressingKeepsEveryRecordAndProducerField(CompressionType target) {
        List<Input> inputs = inputs(new Random(40), 120);
        for (CompressionType source : CompressionType.values()) {
            RecordBatch original = RecordBatch.wrap(ourBatch(inputs, source, 12L, (short) 3, 700));

            RecordBatch converted = RecordBatch.wrap(original.withCompression(target));

            converted.ensureValid();
            converted.validateRecords(false);
            assertThat(converted.compressionType()).isEqualTo(target);
            assertThat(converted.records()).isEqualTo(original.records());
            assertThat(List.of(converted.producerId(), (long) converted.producerEpoch(), (long) converted.baseSequence(),
                    converted.maxTimestamp(), (long) converted.lastOffsetDelta()))
                    .isEqualTo(List.of(12L, 3L, 700L, original.maxTimestamp(), (long) original.lastOffsetDelta()));
            MemoryRecords.readableRecords(original.withCompression(target)).batches().iterator().next().ensureValid();
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void aPayloadThatDoesNotDecompressIsCorrupt(CompressionType codec) {
        ByteBuffer batch = ourBatch(inputs(new Random(7), 50), codec, -1L, (short) -1, -1);
        // Garble the middle of the compressed payload and fix the CRC, so only decompressing can tell.
        int middle = RecordBatch.HEADER_SIZE + (batch.remaining() - RecordBatch.HEADER_SIZE) / 2;
        for (int i = middle; i < Math.min(batch.remaining(), middle + 16); i++) {
            batch.put(i, (byte) (batch.get(i) ^ 0x5a));
        }
        RecordBatch garbled = RecordBatch.wrap(batch);
        batch.putInt(RecordBatch.CRC_OFFSET, (int) garbled.computeChecksum());
        garbled.ensureValid();

        assertThatThrownBy(() -> garbled.validateRecords(false)).isInstanceOf(CorruptRecordException.class);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aRecordCountThatDisagreesWithThePayloadIsCorrupt(CompressionType codec) {
        ByteBuffer batch = ourBatch(inputs(new Random(8), 30), codec, -1L, (short) -1, -1);
        batch.putInt(RecordBatch.RECORDS_COUNT_OFFSET, 29);
        batch.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 28);
        RecordBatch lying = RecordBatch.wrap(batch);
        batch.putInt(RecordBatch.CRC_OFFSET, (int) lying.computeChecksum());

        assertThatThrownBy(() -> {
            lying.ensureValid();
            lying.validateRecords(false);
        }).isInstanceOf(CorruptRecordException.class).hasMessageContaining("stray bytes after 29 records");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aKeylessRecordIsRefusedWhereKeysAreRequired(CompressionType codec) {
        RecordBatch batch = RecordBatch.wrap(new RecordBatchBuilder(64).compression(codec)
                .append(1L, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8))
                .append(2L, null, "no key".getBytes(StandardCharsets.UTF_8)).build());

        batch.validateRecords(false);
        assertThatThrownBy(() -> batch.validateRecords(true)).isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("record 1 of the batch has no key");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aCompactedCopyKeepsOffsetsAndTheLastOffsetAndKafkaReadsIt(CompressionType codec) {
        List<Input> inputs = inputs(new Random(9), 10);
        RecordBatch original = RecordBatch.wrap(ourBatch(inputs, codec, 31L, (short) 4, 500));
        original.setBaseOffset(1000);
        List<Record> all = original.records();
        List<Record> kept = List.of(all.get(2), all.get(5), all.get(7));

        ByteBuffer copy = RecordBatchBuilder.retaining(original, kept);

        RecordBatch ours = RecordBatch.wrap(copy);
        ours.ensureValid();
        assertThat(ours.records()).isEqualTo(kept);
        assertThat(List.of(ours.baseOffset(), ours.lastOffset(), ours.producerId(), (long) ours.baseSequence()))
                .isEqualTo(List.of(1000L, 1009L, 31L, 500L));
        assertThat(ours.compressionType()).isEqualTo(codec);
        assertThatThrownBy(ours::ensureValidAsProduced).isInstanceOf(CorruptRecordException.class);
        MutableRecordBatch kafka = MemoryRecords.readableRecords(copy.duplicate()).batches().iterator().next();
        kafka.ensureValid();
        assertThat(kafka.lastOffset()).isEqualTo(1009L);
        List<Long> offsets = new ArrayList<>();
        kafka.forEach(record -> offsets.add(record.offset()));
        assertThat(offsets).containsExactly(1002L, 1005L, 1007L);

        RecordBatch empty = RecordBatch.wrap(RecordBatchBuilder.retaining(original, List.of()));
        empty.ensureValid();
        assertThat(empty.recordCount()).isZero();
        assertThat(List.of(empty.baseOffset(), empty.lastOffset(), (long) empty.baseSequence()))
                .isEqualTo(List.of(1000L, 1009L, 500L));
        MutableRecordBatch kafkaEmpty = MemoryRecords.readableRecords(empty.slice()).batches().iterator().next();
        kafkaEmpty.ensureValid();
        assertThat(kafkaEmpty.lastOffset()).isEqualTo(1009L);
    }

    @Test
    void aHighlyCompressiblePayloadIsWalkedWithoutKeepingIt() {
        // 64 MiB of zeros in one record: validation streams it; nothing near its size is allocated.
        RecordBatch batch = RecordBatch.wrap(new RecordBatchBuilder(1 << 20).compression(CompressionType.ZSTD)
                .append(1L, new byte[] {1}, new byte[64 << 20]).build());
        assertThat(batch.sizeInBytes()).isLessThan(1 << 20);

        batch.validateRecords(true);
    }
}
