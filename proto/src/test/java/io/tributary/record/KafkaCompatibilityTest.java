package io.tributary.record;

import static io.tributary.record.KafkaBatches.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.record.KafkaBatches.Input;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our codec and kafka-clients' must agree byte for byte, in both directions. */
class KafkaCompatibilityTest {

    private static List<Input> randomInputs(Random random, int count) {
        List<Input> inputs = new ArrayList<>();
        long timestamp = 1_700_000_000_000L + random.nextInt(1_000_000);
        for (int i = 0; i < count; i++) {
            timestamp += random.nextInt(50) - 10; // timestamps may go backwards within a batch
            byte[] key = random.nextInt(5) == 0 ? null : randomBytes(random, random.nextInt(40));
            byte[] value = random.nextInt(10) == 0 ? null : randomBytes(random, random.nextInt(random.nextBoolean() ? 200 : 5000));
            List<Header> headers = new ArrayList<>();
            for (int h = random.nextInt(3); h > 0; h--) {
                headers.add(new Header("h" + random.nextInt(100) + "-ü", random.nextInt(4) == 0 ? null : randomBytes(random, random.nextInt(20))));
            }
            inputs.add(new Input(timestamp, key, value, headers));
        }
        return inputs;
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static ByteBuffer kafkaBatch(List<Input> inputs, long baseOffset, long producerId, short epoch, int sequence,
                                         int leaderEpoch) {
        return KafkaBatches.kafkaBatch(inputs, CompressionType.NONE, baseOffset, producerId, epoch, sequence, leaderEpoch);
    }

    private static ByteBuffer ourBatch(List<Input> inputs, long baseOffset, long producerId, short epoch, int sequence,
                                       int leaderEpoch) {
        return KafkaBatches.ourBatch(inputs, CompressionType.NONE, baseOffset, producerId, epoch, sequence, leaderEpoch);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void ourBatchesAreByteIdenticalToKafkas(long seed) {
        Random random = new Random(seed);
        List<Input> inputs = randomInputs(random, 1 + random.nextInt(300));
        long baseOffset = random.nextInt(1_000_000);
        long producerId = random.nextBoolean() ? -1L : random.nextInt(100_000);
        short epoch = producerId < 0 ? (short) -1 : (short) random.nextInt(100);
        int sequence = producerId < 0 ? -1 : random.nextInt(100_000);
        int leaderEpoch = random.nextBoolean() ? -1 : random.nextInt(50);

        byte[] ours = bytes(ourBatch(inputs, baseOffset, producerId, epoch, sequence, leaderEpoch));
        byte[] theirs = bytes(kafkaBatch(inputs, baseOffset, producerId, epoch, sequence, leaderEpoch));

        assertThat(ours).isEqualTo(theirs);
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15})
    void weDecodeKafkaBatches(long seed) {
        Random random = new Random(seed);
        List<Input> inputs = randomInputs(random, 1 + random.nextInt(200));
        ByteBuffer kafka = kafkaBatch(inputs, 42, 7, (short) 1, 100, 3);

        RecordBatch batch = RecordBatch.wrap(kafka);
        batch.ensureValid();
        assertThat(batch.baseOffset()).isEqualTo(42);
        assertThat(batch.producerId()).isEqualTo(7);
        assertThat(batch.producerEpoch()).isEqualTo((short) 1);
        assertThat(batch.baseSequence()).isEqualTo(100);
        assertThat(batch.partitionLeaderEpoch()).isEqualTo(3);
        assertThat(batch.recordCount()).isEqualTo(inputs.size());
        List<Record> records = batch.records();
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            assertThat(records.get(i)).isEqualTo(new Record(42 + i, in.timestamp(), in.key(), in.value(), in.headers()));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23, 24, 25})
    void kafkaDecodesOurBatches(long seed) {
        Random random = new Random(seed);
        List<Input> inputs = randomInputs(random, 1 + random.nextInt(200));
        ByteBuffer ours = ourBatch(inputs, 1000, -1, (short) -1, -1, -1);
        // the broker rewrites these two in place; Kafka must still accept the batch
        RecordBatch.wrap(ours).setBaseOffset(5000);
        RecordBatch.wrap(ours).setPartitionLeaderEpoch(9);

        Iterator<MutableRecordBatch> batches = MemoryRecords.readableRecords(ours).batches().iterator();
        MutableRecordBatch batch = batches.next();
        assertThat(batches.hasNext()).isFalse();
        batch.ensureValid();
        assertThat(batch.baseOffset()).isEqualTo(5000);
        assertThat(batch.partitionLeaderEpoch()).isEqualTo(9);
        int i = 0;
        for (org.apache.kafka.common.record.internal.Record record : batch) {
            Input in = inputs.get(i);
            assertThat(record.offset()).isEqualTo(5000 + i);
            assertThat(record.timestamp()).isEqualTo(in.timestamp());
            assertThat(record.hasKey() ? bytes(record.key()) : null).isEqualTo(in.key());
            assertThat(record.hasValue() ? bytes(record.value()) : null).isEqualTo(in.value());
            assertThat(record.headers()).hasSize(in.headers().size());
            for (int h = 0; h < in.headers().size(); h++) {
                assertThat(record.headers()[h].key()).isEqualTo(in.headers().get(h).key());
                assertThat(record.headers()[h].value()).isEqualTo(in.headers().get(h).value());
            }
            i++;
        }
        assertThat(i).isEqualTo(inputs.size());
    }

    @org.junit.jupiter.api.Test
    void keysAndValuesSurviveAsUtf8() {
        ByteBuffer ours = new RecordBatchBuilder(64).append(1L, "k".getBytes(StandardCharsets.UTF_8),
                "v".getBytes(StandardCharsets.UTF_8)).build();
        assertThat(bytes(ours)).isEqualTo(bytes(kafkaBatch(List.of(new Input(1L, "k".getBytes(StandardCharsets.UTF_8),
                "v".getBytes(StandardCharsets.UTF_8), List.of())), 0, -1, (short) -1, -1, -1)));
    }
}
