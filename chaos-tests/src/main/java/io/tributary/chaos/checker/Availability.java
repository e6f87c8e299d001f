package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * How long the cluster stopped acknowledging sends, overall and around each fault: the figures
 * that say whether a fault costs seconds or minutes, next to the checker's verdict on safety.
 * Pure: computed from a history's timestamps alone.
 *
 * <p>A fault occurrence is a NEMESIS_START paired with the next NEMESIS_STOP of the same kind (of
 * any kind if none matches). Its <em>stall</em> is the longest gap between consecutive
 * acknowledgements that overlaps the fault or the recovery after it; its <em>recovery</em> the time
 * from NEMESIS_STOP to the first acknowledgement after it.
 */
public final class Availability {

    /**
     * A stretch without acknowledgements.
     *
     * @param ended false if no acknowledgement came before the workload ended (endNanos is then that end)
     */
    public record Window(long startNanos, long endNanos, boolean ended) {
        public long durationNanos() {
            return endNanos - startNanos;
        }

        public double durationMs() {
            return Millis.of(durationNanos());
        }
    }

    /**
     * One fault, from its start to its heal.
     *
     * @param kind the fault kind (the NEMESIS_START value), e.g. {@code kill}
     * @param detail the NEMESIS_START detail: where it struck
     * @param stopNanos empty if the fault was never healed
     * @param stallNanos the longest gap between acknowledgements overlapping [start, first acknowledgement after the heal]
     * @param recoveryNanos from the heal to the first acknowledgement after it; empty if none came or no heal
     */
    public record FaultOccurrence(String kind, String detail, long startNanos, OptionalLong stopNanos, long stallNanos,
                                  OptionalLong recoveryNanos) {
        public double stallMs() {
            return Millis.of(stallNanos);
        }

        public OptionalDouble recoveryMs() {
            return recoveryNanos.isPresent() ? OptionalDouble.of(Millis.of(recoveryNanos.getAsLong())) : OptionalDouble.empty();
        }
    }

    /**
     * The occurrences of one fault kind, aggregated.
     *
     * @param neverRecovered occurrences with no acknowledgement after their heal (or no heal)
     * @param maxRecoveryNanos over the occurrences that recovered; empty if none did
     * @param medianRecoveryNanos over the occurrences that recovered; empty if none did
     */
    public record KindSummary(String kind, int count, long maxStallNanos, OptionalLong maxRecoveryNanos,
                              OptionalLong medianRecoveryNanos, int neverRecovered) {
    }

    private final Optional<Window> longestOutage;
    private final List<FaultOccurrence> occurrences;

    private Availability(Optional<Window> longestOutage, List<FaultOccurrence> occurrences) {
        this.longestOutage = longestOutage;
        this.occurrences = List.copyOf(occurrences);
    }

    public static Availability of(List<HistoryEvent> history) {
        OkTimeline timeline = OkTimeline.from(history);
        return new Availability(longestOutage(history, timeline), occurrences(history, timeline));
    }

    /**
     * The longest stretch without an acknowledgement between the first one and the last heal (the
     * last acknowledgement if nothing was healed), the stretch that ends in recovery included.
     */
    public Optional<Window> longestOutage() {
        return longestOutage;
    }

    /** Every fault, in the order it started. */
    public List<FaultOccurrence> occurrences() {
        return occurrences;
    }

    /** Per fault kind, in name order. */
    public List<KindSummary> byKind() {
        List<KindSummary> summaries = new ArrayList<>();
        groupByKind().forEach((kind, faults) -> summaries.add(summarize(kind, faults)));
        return summaries;
    }

    private static Optional<Window> longestOutage(List<HistoryEvent> history, OkTimeline timeline) {
        if (timeline.isEmpty()) {
            return Optional.empty();
        }
        long lastHeal = history.stream().filter(e -> e.type() == HistoryEvent.Type.NEMESIS_STOP)
                .mapToLong(HistoryEvent::timeNanos).max().orElse(timeline.lastOk());
        // + 1: a gap that begins exactly at the last heal still counts
        return timeline.longestGap(timeline.firstOk(), lastHeal + 1);
    }

    /** A NEMESIS_START and, once seen, the NEMESIS_STOP that healed it. */
    private static final class Fault {
        private final HistoryEvent start;
        private HistoryEvent stop;

        Fault(HistoryEvent start) {
            this.start = start;
        }
    }

    private static List<FaultOccurrence> occurrences(List<HistoryEvent> history, OkTimeline timeline) {
        List<Fault> faults = new ArrayList<>();
        List<Fault> open = new ArrayList<>();
        for (HistoryEvent e : history) {
            if (e.type() == HistoryEvent.Type.NEMESIS_START) {
                Fault fault = new Fault(e);
                faults.add(fault);
                open.add(fault);
            } else if (e.type() == HistoryEvent.Type.NEMESIS_STOP && !open.isEmpty()) {
                Fault fault = open.stream().filter(f -> f.start.value().equals(e.value())).findFirst()
                        .orElse(open.get(0));
                fault.stop = e;
                open.remove(fault);
            }
        }
        return faults.stream().map(f -> measure(f.start, f.stop, timeline)).toList();
    }

    private static FaultOccurrence measure(HistoryEvent start, HistoryEvent stop, OkTimeline timeline) {
        OptionalLong stopNanos = stop == null ? OptionalLong.empty() : OptionalLong.of(stop.timeNanos());
        OptionalLong firstOkAfterHeal = stop == null ? OptionalLong.empty() : timeline.firstOkAfter(stop.timeNanos());
        long windowEnd = firstOkAfterHeal.orElse(timeline.workloadEndNanos());
        long stall = timeline.longestGap(start.timeNanos(), windowEnd).map(Window::durationNanos).orElse(0L);
        OptionalLong recovery = firstOkAfterHeal.isPresent()
                ? OptionalLong.of(firstOkAfterHeal.getAsLong() - stop.timeNanos()) : OptionalLong.empty();
        return new FaultOccurrence(start.value(), start.detail(), start.timeNanos(), stopNanos, stall, recovery);
    }

    private Map<String, List<FaultOccurrence>> groupByKind() {
        Map<String, List<FaultOccurrence>> byKind = new TreeMap<>();
        occurrences.forEach(o -> byKind.computeIfAbsent(o.kind(), k -> new ArrayList<>()).add(o));
        return byKind;
    }

    private static KindSummary summarize(String kind, List<FaultOccurrence> faults) {
        long maxStall = faults.stream().mapToLong(FaultOccurrence::stallNanos).max().orElse(0);
        long[] recoveries = faults.stream().filter(f -> f.recoveryNanos().isPresent())
                .mapToLong(f -> f.recoveryNanos().getAsLong()).sorted().toArray();
        OptionalLong max = recoveries.length == 0 ? OptionalLong.empty() : OptionalLong.of(recoveries[recoveries.length - 1]);
        return new KindSummary(kind, faults.size(), maxStall, max, median(recoveries), faults.size() - recoveries.length);
    }

    private static OptionalLong median(long[] sorted) {
        if (sorted.length == 0) {
            return OptionalLong.empty();
        }
        int mid = sorted.length / 2;
        return OptionalLong.of(sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
    }

    /** The longest outage, a summary table per fault kind, then each kind's occurrences. */
    public String report() {
        StringBuilder out = new StringBuilder("availability (times in ms since the run began)\n");
        out.append("longest stretch without an acknowledged send: ").append(longestOutage.map(w ->
                Millis.format(w.durationNanos()) + " ms, from " + Millis.format(w.startNanos()) + " to "
                        + Millis.format(w.endNanos()) + (w.ended() ? "" : " (no acknowledgement until the end)"))
                .orElse("none (nothing acknowledged)")).append('\n');
        if (occurrences.isEmpty()) {
            return out.append("no faults\n").toString();
        }
        out.append('\n').append(row("fault kind", "count", "max stall", "max recovery", "median recovery", "never recovered"));
        for (KindSummary s : byKind()) {
            out.append(row(s.kind(), String.valueOf(s.count()), Millis.format(s.maxStallNanos()),
                    msOrNever(s.maxRecoveryNanos()), msOrNever(s.medianRecoveryNanos()), String.valueOf(s.neverRecovered())));
        }
        groupByKind().forEach((kind, faults) -> {
            out.append('\n').append(kind).append('\n')
                    .append(row("#", "start", "stop", "stall", "recovery", "detail"));
            for (int i = 0; i < faults.size(); i++) {
                FaultOccurrence f = faults.get(i);
                out.append(row(String.valueOf(i + 1), Millis.format(f.startNanos()), msOrNever(f.stopNanos()),
                        Millis.format(f.stallNanos()), msOrNever(f.recoveryNanos()), f.detail()));
            }
        });
        return out.toString();
    }

    private static String msOrNever(OptionalLong nanos) {
        return nanos.isPresent() ? Millis.format(nanos.getAsLong()) : "never";
    }

    /** A first column left-aligned, the figures right-aligned, and the last column (free text) as is. */
    private static String row(String first, String... rest) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-20s", first));
        for (int i = 0; i < rest.length; i++) {
            line.append(i == rest.length - 1 ? "  " + rest[i] : String.format(Locale.ROOT, " %16s", rest[i]));
        }
        return line.append('\n').toString();
    }
}
