package io.tributary.broker.log;

import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatches;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Reads a range of a log batch by batch and checks what start-up recovery of the segments does not
 * (it validates only past the recovery point): that each batch is whole and passes its CRC, and
 * that offsets follow on densely but for the gaps compaction left and a log start inside the first
 * batch. Replica recovery walks the part it did not take from a snapshot; the log verifier walks the
 * rest in the background. A flipped bit, a segment truncated or rolled back behind the broker's back
 * is found here.
 */
public final class LogVerification {
    private static final int READ_BYTES = 8 * 1024 * 1024;

    /** Paces the reads of a background walk; it may throw to stop the walk. */
    @FunctionalInterface
    public interface Pace {
        Pace NONE = bytes -> { };

        /** Called before the walk checks {@code bytes} more bytes. */
        void beforeChecking(long bytes) throws InterruptedException;
    }

    /**
     * Where a walk got to.
     *
     * @param reached the offset after the last good batch (where the log could be cut)
     * @param damage what is wrong at {@code reached}, or null when the walk checked everything up to its end
     */
    public record Walked(long reached, String damage) {
        public boolean damaged() {
            return damage != null;
        }
    }

    private LogVerification() {
    }

    /**
     * Walks the batches of {@code log} from {@code from} (a batch boundary, or the log start) up to
     * {@code to}, handing each good batch to {@code onBatch}. Stops at the first damage. A log start
     * that moves past the walk meanwhile (retention) moves the walk with it; a log that ends before
     * {@code to} ends the walk there.
     */
    public static Walked walk(PartitionLog log, long from, long to, Consumer<RecordBatch> onBatch, Pace pace)
            throws InterruptedException {
        long offset = from;
        while (offset < Math.min(to, log.logEndOffset())) {
            long start = log.logStartOffset();
            if (offset < start) {
                offset = start;
                continue;
            }
            ByteBuffer chunk;
            try {
                chunk = log.read(offset, READ_BYTES, to);
            } catch (OffsetOutOfRangeException moved) {
                continue; // the start or the end moved meanwhile: the loop conditions decide
            } catch (LogStorageException unreadable) {
                if (log.logStartOffset() > offset) {
                    continue; // retention deleted the segment between the lookup and the read
                }
                return new Walked(offset, unreadable.getMessage());
            }
            if (!chunk.hasRemaining()) {
                break;
            }
            pace.beforeChecking(chunk.remaining());
            try {
                for (RecordBatch batch : RecordBatches.of(chunk)) {
                    boolean holdsOffset = batch.baseOffset() == offset
                            || (offset == start && batch.baseOffset() < offset && batch.lastOffset() >= offset)
                            || (batch.baseOffset() > offset && log.compactedGapAllowedBefore(batch.baseOffset()));
                    if (!holdsOffset) { // the first batch may begin below the log start (DeleteRecords)
                        return new Walked(offset, "a batch at offset " + batch.baseOffset() + " where " + offset + " was due");
                    }
                    if (!batch.isValid()) {
                        return new Walked(offset, "the batch at offset " + offset + " fails its CRC");
                    }
                    onBatch.accept(batch);
                    offset = batch.nextOffset();
                }
            } catch (RuntimeException malformed) {
                return new Walked(offset, "malformed batch at offset " + offset + ": " + malformed.getMessage());
            }
        }
        return new Walked(offset, null);
    }
}
