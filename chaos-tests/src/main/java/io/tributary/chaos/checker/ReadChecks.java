package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checks of what each consumer returned, in the order it returned it: POLL_SKIP,
 * NONMONOTONIC_POLL and DIRTY_READ.
 *
 * <p>Each consumer keeps a position per partition: 0 at first (consumers read from the beginning),
 * the offset after each READ, the target of each SEEK. A READ above the position skipped offsets;
 * a READ below it went backwards. The final drain is a consumer like the others, so a gap in the
 * final log is a skip too.
 */
final class ReadChecks {
    private record Cursor(long position, String after) {
    }

    private record ConsumerPartition(String consumer, int partition) {
    }

    private ReadChecks() {
    }

    static void run(Iterable<HistoryEvent> history, FinalLog log, Trims trims, Findings out) {
        pollOrder(history, trims, out);
        dirtyReads(history, log, trims, out);
    }

    /** A jump to the partition's new start after a trim is no skip. */
    private static void pollOrder(Iterable<HistoryEvent> history, Trims trims, Findings out) {
        Map<ConsumerPartition, Cursor> cursors = new HashMap<>();
        for (HistoryEvent e : history) {
            if (e.isGroupMember()) {
                continue; // a member's position jumps when the group moves partitions: GroupChecks judges it
            }
            ConsumerPartition key = new ConsumerPartition(e.process(), e.partition());
            Position at = new Position(e.partition(), e.offset());
            switch (e.type()) {
                case SEEK -> cursors.put(key, new Cursor(e.offset(), "a seek to " + at));
                case READ -> {
                    Cursor cursor = cursors.getOrDefault(key, new Cursor(0, "the start"));
                    if (e.offset() > cursor.position() && e.offset() > trims.below(e.partition())) {
                        out.add(Anomaly.POLL_SKIP, e.process() + " read " + at + " after " + cursor.after()
                                + ", skipping " + (e.offset() - cursor.position()) + " offset(s)");
                    } else if (e.offset() < cursor.position()) {
                        out.add(Anomaly.NONMONOTONIC_POLL, e.process() + " read " + at + " after " + cursor.after()
                                + " (position " + cursor.position() + ")");
                    }
                    cursors.put(key, new Cursor(e.offset() + 1, at.toString()));
                }
                default -> { }
            }
        }
    }

    /**
     * A value a consumer saw that is nowhere in the final log was visible and then vanished. Each
     * value counts once, however many consumers saw it. A value found elsewhere in the final log is
     * a duplicate or an inconsistent offset instead.
     */
    private static void dirtyReads(Iterable<HistoryEvent> history, FinalLog log, Trims trims, Findings out) {
        if (!log.drained()) {
            return;
        }
        Map<String, String> dirty = new LinkedHashMap<>();
        for (HistoryEvent e : history) {
            if (e.type() == HistoryEvent.Type.READ && !HistoryEvent.FINAL.equals(e.process())
                    && !log.containsAnywhere(e.value()) && !trims.mayBeDeleted(e.partition(), e.offset())) {
                dirty.putIfAbsent(e.value(), e.process() + " read " + e.value() + " at "
                        + new Position(e.partition(), e.offset()) + "; the final log does not hold it");
            }
        }
        dirty.values().forEach(example -> out.add(Anomaly.DIRTY_READ, example));
    }
}
