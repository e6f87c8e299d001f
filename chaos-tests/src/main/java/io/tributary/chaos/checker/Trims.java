package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import io.tributary.chaos.history.RetentionRecord;
import io.tributary.chaos.history.TrimRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Where DeleteRecords (the {@code trim} nemesis) or a spell of short retention (the {@code retention}
 * nemesis) may have moved each partition's start: the highest offset asked for over the whole run,
 * whatever the answer, and the first offset retention had to keep. Records below it may be gone without
 * an anomaly: an acknowledged one need not be in the final log, a consumer may jump over them, a
 * replica need not hold them. Conservative: a record trimmed late counts as trimmed for the whole run.
 */
final class Trims {
    private final Map<Integer, Long> below;

    private Trims(Map<Integer, Long> below) {
        this.below = below;
    }

    /**
     * How long after a retention spell's heal a node may still delete with its short retention: the
     * restored configs reach every node through the metadata log (a node resumed or reconnected by
     * the same round's heal applies them a moment later) and retention runs every second.
     */
    static final long RETENTION_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(3);

    static Trims from(List<HistoryEvent> history) {
        Map<Integer, Long> below = new HashMap<>();
        for (HistoryEvent e : history) {
            TrimRecord.of(e).ifPresent(t -> below.merge(t.partition(), t.below(), Math::max));
        }
        retentionCutoffNanos(history).ifPresent(cutoff -> retainedFrom(history, cutoff)
                .forEach((partition, offset) -> below.merge(partition, offset, Math::max)));
        return new Trims(below);
    }

    /**
     * Records produced before the returned time may have expired in a retention spell: a spell
     * deletes only segments whose records are all older than its retention.ms, for as long as some
     * node still has it, which ends with the round the spell was part of (the next nemesis starts
     * after every heal and restart of that round, and full ISRs), plus a margin. A record's timestamp
     * is taken after its send was recorded, so the record's send time bounds it from below.
     */
    private static OptionalLong retentionCutoffNanos(List<HistoryEvent> history) {
        long cutoff = Long.MIN_VALUE;
        long last = history.isEmpty() ? 0 : history.get(history.size() - 1).timeNanos();
        for (int i = 0; i < history.size(); i++) {
            Optional<RetentionRecord> spell = RetentionRecord.of(history.get(i));
            if (spell.isEmpty()) {
                continue;
            }
            long roundEnd = last;
            boolean stopped = false;
            for (int j = i + 1; j < history.size(); j++) {
                HistoryEvent e = history.get(j);
                stopped |= e.type() == HistoryEvent.Type.NEMESIS_STOP && RetentionRecord.KIND.equals(e.value());
                if (stopped && e.type() == HistoryEvent.Type.NEMESIS_START) {
                    roundEnd = e.timeNanos();
                    break;
                }
            }
            cutoff = Math.max(cutoff, roundEnd + RETENTION_MARGIN_NANOS
                    - TimeUnit.MILLISECONDS.toNanos(spell.get().retentionMs()));
        }
        return cutoff == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(cutoff);
    }

    /**
     * Per partition, the offset from which retention kept everything: the lowest acknowledged offset
     * of a record sent at or after {@code cutoffNanos} (retention deletes a prefix, so it and all after
     * it stay), or past the highest acknowledged offset when every record was sent before.
     */
    private static Map<Integer, Long> retainedFrom(List<HistoryEvent> history, long cutoffNanos) {
        Map<String, Long> sentAt = new HashMap<>();
        Map<Integer, Long> from = new HashMap<>();
        Map<Integer, Long> pastHighest = new HashMap<>();
        for (HistoryEvent e : history) {
            if (e.type() == HistoryEvent.Type.INVOKE) {
                sentAt.putIfAbsent(e.value(), e.timeNanos());
            } else if (e.type() == HistoryEvent.Type.OK && e.offset() >= 0) {
                pastHighest.merge(e.partition(), e.offset() + 1, Math::max);
                Long sent = sentAt.get(e.value());
                if (sent != null && sent >= cutoffNanos) {
                    from.merge(e.partition(), e.offset(), Math::min);
                }
            }
        }
        pastHighest.forEach(from::putIfAbsent);
        return from;
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
