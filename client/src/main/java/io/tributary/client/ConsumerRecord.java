package io.tributary.client;

import io.tributary.record.Header;
import java.util.List;

/** A record read from a partition. Arrays are the consumer's own copies; headers are immutable. */
public record ConsumerRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
                             List<Header> headers) {
    @Override
    public String toString() {
        return "ConsumerRecord(" + topic + "-" + partition + "@" + offset + ", timestamp=" + timestamp + ", key="
                + (key == null ? "null" : key.length + "B") + ", value=" + (value == null ? "null" : value.length + "B")
                + ", headers=" + headers.size() + ")";
    }
}
