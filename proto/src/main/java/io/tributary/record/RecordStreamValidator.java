package io.tributary.record;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Walks the records of one batch as a stream (a compressed batch's decompressing stream), keeping
 * nothing: it reads each record's length, offset delta and key length and skips the rest. Memory
 * stays bounded however far a payload decompresses.
 */
final class RecordStreamValidator {
    private final InputStream in;
    private long bytesRead;

    private RecordStreamValidator(InputStream in) {
        this.in = in;
    }

    /**
     * @throws CorruptRecordException when the framing is wrong (count, offset deltas, lengths, stray bytes)
     * @throws InvalidRecordException when {@code keysRequired} and a record has no key
     * @throws IOException when the stream cannot be read (a payload the codec refuses)
     */
    static void validate(InputStream in, int count, boolean keysRequired) throws IOException {
        new RecordStreamValidator(in).validate(count, keysRequired);
    }

    private void validate(int count, boolean keysRequired) throws IOException {
        for (int i = 0; i < count; i++) {
            int length;
            try {
                length = readVarint();
            } catch (EOFException e) {
                throw new CorruptRecordException("the records end after " + i + " of " + count);
            }
            if (length < 1) {
                throw new CorruptRecordException("record " + i + " has length " + length);
            }
            long recordStart = bytesRead;
            try {
                readByte(); // attributes
                readVarlong(); // timestamp delta
                int offsetDelta = readVarint();
                if (offsetDelta != i) {
                    throw new CorruptRecordException("record " + i + " has offset delta " + offsetDelta);
                }
                int keyLength = readVarint();
                if (keyLength < -1) {
                    throw new CorruptRecordException("record " + i + " has key length " + keyLength);
                }
                if (keyLength == -1 && keysRequired) {
                    throw new InvalidRecordException("record " + i + " of the batch has no key, and a compacted topic"
                            + " keeps the latest record of each key, so every record needs one");
                }
                long rest = length - (bytesRead - recordStart);
                if (rest < Math.max(keyLength, 0)) {
                    throw new CorruptRecordException("record " + i + " has length " + length
                            + ", too short for its fields");
                }
                skipFully(rest);
            } catch (EOFException e) {
                throw new CorruptRecordException("record " + i + " of " + count + " runs past the end of the records");
            }
        }
        if (in.read() != -1) {
            throw new CorruptRecordException("stray bytes after " + count + " records");
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        bytesRead++;
        return b;
    }

    private int readVarint() throws IOException {
        int value = 0;
        for (int shift = 0; ; shift += 7) {
            if (shift > 28) {
                throw new CorruptRecordException("varint longer than 5 bytes");
            }
            int b = readByte();
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (value >>> 1) ^ -(value & 1);
            }
        }
    }

    private void readVarlong() throws IOException {
        for (int shift = 0; ; shift += 7) {
            if (shift > 63) {
                throw new CorruptRecordException("varlong longer than 10 bytes");
            }
            if ((readByte() & 0x80) == 0) {
                return;
            }
        }
    }

    private void skipFully(long n) throws IOException {
        long left = n;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                readByte(); // skip may return 0 before the end; a read tells
                left--;
            } else {
                left -= skipped;
                bytesRead += skipped;
            }
        }
    }
}
