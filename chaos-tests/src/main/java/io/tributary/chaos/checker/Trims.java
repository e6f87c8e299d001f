package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import io.tributary.chaos.history.TrimRecord;
import java.util.HashMap;
import java.util.Map;

/**
 * Where DeleteRecords (the {@code trim} nemesis) may have moved each partition's start: the highest
 * offset asked for over the whole run, whatever the answer. Records below it may be gone without
 * an anomaly: an acknowledged one need not be in the final log, a consumer may jump over them, a
 * replica need not hold them. Conservative: a record trimmed late counts as trimmed for the whole run.
 */
final class Trims {
    private final Map<Integer, Long> below;

    private Trims(Map<Integer, Long> below) {
        this.below = below;
    }

    static Trims from(Iterable<HistoryEvent> history) {
        Map<Integer, Long> below = new HashMap<>();
        for (HistoryEvent e : history) {
            TrimRecord.of(e).ifPresent(t -> below.merge(t.partition(), t.below(), Math::max));
        }
        return new Trims(below);
    }

    /** Whether the record at {@code offset} of {@code partition} may have been deleted on request. */
    boolean mayBeDeleted(int partition, long offset) {
        return offset < below.getOrDefault(partition, 0L);
    }

    /** The offset below which records of {@code partition} may be deleted (0: none). */
    long below(int partition) {
        return below.getOrDefault(partition, 0L);
    }
}
