package io.tributary.client;

import io.tributary.record.Header;
import java.util.List;
import java.util.Objects;

/**
 * A record to send.
 *
 * @param topic the topic, required
 * @param partition the partition, or null to let the producer's {@link Partitioner} choose
 * @param timestamp the create time in ms, or null for the time of {@code send}
 * @param key the key, may be null (then the partitioner spreads records)
 * @param value the value, may be null (a tombstone on compacted topics)
 * @param headers the headers; null means none
 */
public record ProducerRecord(String topic, Integer partition, Long timestamp, byte[] key, byte[] value,
                             List<Header> headers) {
    public ProducerRecord {
        Objects.requireNonNull(topic, "topic");
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition " + partition + " is negative");
        }
        if (timestamp != null && timestamp < 0) {
            throw new IllegalArgumentException("timestamp " + timestamp + " is negative");
        }
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    public static ProducerRecord of(String topic, byte[] key, byte[] value) {
        return new ProducerRecord(topic, null, null, key, value, List.of());
    }

    public static ProducerRecord of(String topic, int partition, byte[] key, byte[] value) {
        return new ProducerRecord(topic, partition, null, key, value, List.of());
    }
}
