package io.tributary.client;

/**
 * A committed position: the offset of the next record to read, the leader epoch of the record
 * before it (-1 when unknown), and a free-form string stored with it.
 */
public record OffsetAndMetadata(long offset, int leaderEpoch, String metadata) {
    public OffsetAndMetadata {
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset + " is negative");
        }
        metadata = metadata == null ? "" : metadata;
    }

    public OffsetAndMetadata(long offset) {
        this(offset, -1, "");
    }
}
