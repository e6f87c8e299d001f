package io.tributary.broker.log;

import io.tributary.record.RecordFormatException;

/** A record batch larger than the topic's max.message.bytes; maps to {@code MESSAGE_TOO_LARGE}. */
public class MessageTooLargeException extends RecordFormatException {
    private final int batchSizeInBytes;
    private final int maxMessageBytes;

    public MessageTooLargeException(int batchSizeInBytes, int maxMessageBytes) {
        super("record batch of " + batchSizeInBytes + " bytes exceeds max.message.bytes " + maxMessageBytes);
        this.batchSizeInBytes = batchSizeInBytes;
        this.maxMessageBytes = maxMessageBytes;
    }

    public int batchSizeInBytes() {
        return batchSizeInBytes;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }
}
