package io.tributary.broker.log;

import io.tributary.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Replays the {@link Journal} files a crash left over the logs start-up recovery brought back, in
 * the order the logs saw the operations: appends through the follower's append (offsets and epochs
 * as written), truncations and log replacements through the log's own methods. What the segment
 * files kept is not written again: a batch that ends below the log end is skipped.
 *
 * <p>Why this gives the logs back: everything in a log above its recovery point was appended after
 * the last checkpoint, so its entry is in a journal file that is still there; every operation that
 * removed data wrote its entry before it touched the segments. A log whose segments lost a tail gets
 * it back from its entries; a log whose segments kept data that a later truncation removed loses it
 * again when the truncation entry is replayed.
 */
final class JournalReplay {
    private static final Logger log = LoggerFactory.getLogger(JournalReplay.class);

    /** What to do with one journaled batch, given the log as replay found it. */
    enum BatchAction { SKIP, APPEND, CONFLICT }

    private JournalReplay() {
    }

    /**
     * Whether a journaled append that continued a log ending at {@code continuedEndOffset} can be
     * replayed over a log that ends at {@code logEndOffset}: only if nothing before it is missing.
     * A log that ends lower lost records the journal does not hold (the segments were damaged below
     * the last checkpoint); appending would leave a hole that no follower fetch ever fills.
     */
    static boolean continuesLog(long continuedEndOffset, long logEndOffset) {
        return logEndOffset >= continuedEndOffset;
    }

    /**
     * A batch that ends below the log end is already there; one at or after the end continues the
     * log; one that straddles the end continues it only when the log is empty and starts inside the
     * batch (DeleteRecords put the start mid-batch; the batch is taken whole, as a follower does).
     * Any other straddling batch contradicts the segments: the journal and the log disagree.
     */
    static BatchAction actionFor(long baseOffset, long lastOffset, long logStartOffset, long logEndOffset) {
        if (lastOffset < logEndOffset) {
            return BatchAction.SKIP;
        }
        if (baseOffset >= logEndOffset || logStartOffset == logEndOffset) {
            return BatchAction.APPEND;
        }
        return BatchAction.CONFLICT;
    }

    /**
     * Applies the journal's entries to {@code logsByKey}; entries for keys no log has (the log was
     * deleted) are skipped. Index keys are never reused while journal files name them: a new key
     * is only handed out after open, when the files found there are replayed and deleted.
     *
     * @return the logs replay changed: their segments must be fsynced before the files go
     */
    static Set<PartitionLog> replay(Journal journal, Map<Long, PartitionLog> logsByKey) {
        Set<PartitionLog> touched = new LinkedHashSet<>();
        Set<PartitionLog> shortened = new HashSet<>();
        long[] counts = {0, 0};
        journal.replay(entry -> {
            counts[0]++;
            PartitionLog target = logsByKey.get(entry.partitionKey());
            if (target == null) {
                return;
            }
            if (entry.type() == JournalEntry.Type.APPEND && !continuesLog(entry.offset(), target.logEndOffset())) {
                if (shortened.add(target)) {
                    log.warn("{}: the segments end at offset {}, below offset {} that a journaled append continued:"
                            + " they lost records the journal no longer holds (damage below the last checkpoint);"
                            + " the journal's later appends are not replayed, so that the log has no hole,"
                            + " and replica recovery fetches the rest again", target.topicPartition(),
                            target.logEndOffset(), entry.offset());
                }
                return;
            }
            if (apply(target, entry)) {
                touched.add(target);
                counts[1]++;
            }
        });
        if (counts[0] > 0) {
            log.info("journal replay: {} entries read, {} changed {} logs", counts[0], counts[1], touched.size());
        }
        return touched;
    }

    private static boolean apply(PartitionLog target, JournalEntry entry) {
        switch (entry.type()) {
            case APPEND -> {
                return appendMissing(target, entry.batches());
            }
            case TRUNCATE -> {
                if (entry.offset() >= target.logEndOffset()) {
                    return false;
                }
                target.truncateTo(entry.offset());
                return true;
            }
            case RESET -> {
                // A later DeleteRecords may have moved the start past it: never bring a deleted prefix back.
                target.truncateFullyAndStartAt(Math.max(entry.offset(), target.logStartOffset()));
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private static boolean appendMissing(PartitionLog target, ByteBuffer batches) {
        boolean changed = false;
        for (int pos = batches.position(); pos < batches.limit(); ) {
            RecordBatch batch = RecordBatch.wrap(batches, pos, batches.limit());
            int size = batch.sizeInBytes();
            switch (actionFor(batch.baseOffset(), batch.lastOffset(), target.logStartOffset(), target.logEndOffset())) {
                case SKIP -> { }
                case APPEND -> {
                    try {
                        target.appendReplayed(batches.slice(pos, size));
                    } catch (NonContiguousAppendException e) {
                        throw conflict(target, batch, e.getMessage());
                    }
                    changed = true;
                }
                case CONFLICT -> throw conflict(target, batch, "it straddles the log end");
            }
            pos += size;
        }
        return changed;
    }

    private static LogStorageException conflict(PartitionLog target, RecordBatch batch, String why) {
        return new LogStorageException(target.topicPartition() + ": the journal's batch at offsets " + batch.baseOffset()
                + "-" + batch.lastOffset() + " does not fit the log (start " + target.logStartOffset() + ", end "
                + target.logEndOffset() + "): " + why + "; the journal and the segments disagree");
    }
}
