package io.tributary.broker.log;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * One record of the node's write-ahead {@link Journal}: an operation on one partition log, named by
 * its index key. The operations are those that change a log's tail, in the order the log saw them,
 * so that replaying them over what a crash left of the segment files gives the log back.
 *
 * <p>Layout (big-endian): {@code length int32} (of everything after the CRC), {@code crc int32}
 * (CRC-32C of everything after it), {@code type int8}, {@code partitionKey int64}, {@code offset
 * int64}, then for {@link Type#APPEND} the record batches exactly as written to the segment.
 */
record JournalEntry(Type type, long partitionKey, long offset, ByteBuffer batches) {
    static final int HEADER_SIZE = 4 + 4 + 1 + 8 + 8;
    /** What follows the length and the CRC, without the batches. */
    private static final int BODY_HEADER_SIZE = HEADER_SIZE - 8;
    /** Larger than any append a log accepts (max.message.bytes is an int, one request's batches fewer). */
    static final int MAX_BODY_SIZE = Integer.MAX_VALUE - 64;

    enum Type {
        /**
         * Batches appended at their base offsets; {@code offset} is where the log ended before them
         * (or the first base offset, if lower: a follower's empty log may start inside its first batch).
         * Replay appends them only to a log that still reaches that offset, so it never leaves a hole.
         */
        APPEND(1),
        /** Everything at and above {@code offset} was removed ({@link PartitionLog#truncateTo}). */
        TRUNCATE(2),
        /** The log was replaced by an empty one starting at {@code offset} ({@link PartitionLog#truncateFullyAndStartAt}). */
        RESET(3);

        final byte code;

        Type(int code) {
            this.code = (byte) code;
        }

        static Type of(byte code) {
            for (Type type : values()) {
                if (type.code == code) {
                    return type;
                }
            }
            return null;
        }
    }

    static JournalEntry append(long partitionKey, long continuedEndOffset, ByteBuffer batches) {
        return new JournalEntry(Type.APPEND, partitionKey, continuedEndOffset, batches);
    }

    static JournalEntry marker(Type type, long partitionKey, long offset) {
        return new JournalEntry(type, partitionKey, offset, ByteBuffer.allocate(0));
    }

    int sizeInBytes() {
        return HEADER_SIZE + batches.remaining();
    }

    /** The header, CRC included; the batches follow it unchanged (a gathering write sends both). */
    ByteBuffer header() {
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
        header.putInt(BODY_HEADER_SIZE + batches.remaining()).putInt(0)
                .put(type.code).putLong(partitionKey).putLong(offset);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 8, BODY_HEADER_SIZE);
        crc.update(batches.duplicate());
        header.putInt(4, (int) crc.getValue());
        return header.flip();
    }

    /** Why a journal's bytes cannot be read as entries: a torn tail or damage. */
    static final class MalformedEntryException extends Exception {
        MalformedEntryException(String message) {
            super(message);
        }
    }

    /** The body length a header announces, checked for sanity before anything is allocated for it. */
    static int bodyLength(ByteBuffer header) throws MalformedEntryException {
        int length = header.getInt(header.position());
        if (length < BODY_HEADER_SIZE || length > MAX_BODY_SIZE) {
            throw new MalformedEntryException("entry length " + length + " is out of range");
        }
        return length;
    }

    /**
     * Decodes an entry from its CRC ({@code crc}) and body ({@code body}: type, key, offset,
     * batches), positioned at its start.
     */
    static JournalEntry decode(int crc, ByteBuffer body) throws MalformedEntryException {
        CRC32C actual = new CRC32C();
        actual.update(body.duplicate());
        if ((int) actual.getValue() != crc) {
            throw new MalformedEntryException("entry fails its CRC");
        }
        Type type = Type.of(body.get());
        if (type == null) {
            throw new MalformedEntryException("unknown entry type " + body.get(body.position() - 1));
        }
        long partitionKey = body.getLong();
        long offset = body.getLong();
        ByteBuffer batches = body.slice();
        if (type != Type.APPEND && batches.hasRemaining()) {
            throw new MalformedEntryException(type + " entry carries " + batches.remaining() + " bytes");
        }
        return new JournalEntry(type, partitionKey, offset, batches);
    }
}
