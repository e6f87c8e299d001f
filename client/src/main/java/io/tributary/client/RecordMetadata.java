package io.tributary.client;

/**
 * Where an acknowledged record landed. {@code offset} is -1 when the producer uses acks=0 and the
 * broker did not report one; {@code timestamp} is the broker's log-append time when the topic uses
 * LogAppendTime, else the record's create time.
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp) {
}
