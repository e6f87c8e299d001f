package io.tributary.broker.log;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.ClosedChannelException;

/**
 * Whole record batches of one segment, named by their place in the file rather than copied out of
 * it: a fetch response carries slices, and the bytes are copied once, from the file into the
 * transport's buffers, when the response is sent ({@link #writeTo}).
 *
 * <p>Between the read and the send the segment may be deleted (retention, compaction's swap) or,
 * on a leader that lost its leadership, cut shorter; the copy then fails with an
 * {@link IOException} and the fetch fails instead of carrying torn or foreign bytes. Kafka's
 * sendfile of a file slice has the same window and the same answer.
 */
public final class LogSlice {
    public static final LogSlice EMPTY = new LogSlice(null, 0, 0);

    private final Segment segment;
    private final int position;
    private final int sizeInBytes;

    LogSlice(Segment segment, int position, int sizeInBytes) {
        this.segment = segment;
        this.position = position;
        this.sizeInBytes = sizeInBytes;
    }

    public int sizeInBytes() {
        return sizeInBytes;
    }

    /**
     * Copies the slice's bytes to {@code out}, {@code chunk.length} at a time.
     *
     * @throws IOException the segment is gone or shorter than the slice
     */
    public void writeTo(OutputStream out, byte[] chunk) throws IOException {
        if (sizeInBytes == 0) {
            return;
        }
        try {
            segment.copyTo(out, position, sizeInBytes, chunk);
        } catch (ClosedChannelException e) {
            throw new IOException(segment + " was deleted before a fetch of it was sent", e);
        }
    }

    @Override
    public String toString() {
        return sizeInBytes == 0 ? "LogSlice[empty]" : "LogSlice[" + segment + " bytes " + position + "+" + sizeInBytes + "]";
    }
}
