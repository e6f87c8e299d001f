package io.tributary.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class DefaultPartitionerTest {
    @Test
    void murmur2MatchesKafkaOnRandomKeys() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] key = new byte[random.nextInt(70)];
            random.nextBytes(key);
            assertThat(DefaultPartitioner.murmur2(key)).as("key %d", i).isEqualTo(Utils.murmur2(key));
        }
    }

    @Test
    void keyedPartitionsMatchKafkaBuiltInPartitioner() {
        Random random = new Random(7);
        DefaultPartitioner partitioner = new DefaultPartitioner();
        for (int i = 0; i < 20_000; i++) {
            byte[] key = new byte[1 + random.nextInt(40)];
            random.nextBytes(key);
            int numPartitions = 1 + random.nextInt(200);
            int expected = Utils.toPositive(Utils.murmur2(key)) % numPartitions;
            assertThat(partitioner.partition("t", key, numPartitions)).isEqualTo(expected)
                    .isEqualTo(BuiltInPartitioner.partitionForKey(key, numPartitions));
        }
    }

    @Test
    void stringKeysLandWhereKafkaPutsThem() {
        for (int i = 0; i < 1000; i++) {
            byte[] key = ("key-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(DefaultPartitioner.partitionForKey(key, 6)).isEqualTo(BuiltInPartitioner.partitionForKey(key, 6));
        }
    }

    @Test
    void nullKeysStickUntilANewBatchThenSwitch() {
        DefaultPartitioner partitioner = new DefaultPartitioner();
        int first = partitioner.partition("t", null, 6);
        for (int i = 0; i < 100; i++) {
            assertThat(partitioner.partition("t", null, 6)).isEqualTo(first);
        }
        Set<Integer> seen = new HashSet<>();
        int previous = first;
        for (int i = 0; i < 200; i++) {
            partitioner.onNewBatch("t", 6, previous);
            int next = partitioner.partition("t", null, 6);
            assertThat(next).isNotEqualTo(previous).isBetween(0, 5);
            seen.add(next);
            previous = next;
        }
        assertThat(seen).hasSize(6);
        assertThat(partitioner.partition("single", null, 1)).isZero();
        partitioner.onNewBatch("single", 1, 0);
        assertThat(partitioner.partition("single", null, 1)).isZero();
    }

    @Test
    void toPositiveClearsTheSignBit() {
        assertThat(DefaultPartitioner.toPositive(Integer.MIN_VALUE)).isZero();
        assertThat(DefaultPartitioner.toPositive(-1)).isEqualTo(Integer.MAX_VALUE);
        assertThat(DefaultPartitioner.toPositive(5)).isEqualTo(5);
    }
}
