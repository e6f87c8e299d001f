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
 * acknowledgements (of any partition) that overlaps the fault or the recovery after it; its
 * <em>partition stall</em> the longest such gap of any one partition (what a producer of that
 * partition saw); its <em>recovery</em> the time from NEMESIS_STOP to the first acknowledgement
 * after it. It is <em>alone</em> when no other fault was active at any time between its start and
 * its heal: the single-fault figures the availability goal is about (two faults at once may take
 * a majority away).
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
     * @param partitionStallNanos the same for the acknowledgements of each partition apart, the longest of them
     * @param alone no other fault was active between its start and its heal
     * @param recoveryNanos from the heal to the first acknowledgement after it; empty if none came or no heal
     */
    public record FaultOccurrence(String kind, String detail, long startNanos, OptionalLong stopNanos, long stallNanos,
                                  long partitionStallNanos, boolean alone, OptionalLong recoveryNanos) {
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
                              OptionalLong medianRecoveryNanos, int neverRecovered, int alone,
                              OptionalLong maxStallAloneNanos, OptionalLong maxPartitionStallAloneNanos) {
    }

    private final Optional<Window> longestOutage;
    private final List<FaultOccurrence> occurrences;
    private final long[] restartMillis;

    private Availability(Optional<Window> longestOutage, List<FaultOccurrence> occurrences, long[] restartMillis) {
        this.longestOutage = longestOutage;
        this.occurrences = List.copyOf(occurrences);
        this.restartMillis = restartMillis.clone();
    }

    public static Availability of(List<HistoryEvent> history) {
        OkTimeline timeline = OkTimeline.from(history);
        List<OkTimeline> partitions = history.stream()
                .filter(e -> e.type() == HistoryEvent.Type.OK).mapToInt(HistoryEvent::partition).distinct().sorted()
                .mapToObj(p -> OkTimeline.from(history, p)).toList();
        long[] restarts = history.stream().filter(e -> e.type() == HistoryEvent.Type.NODE_READY)
                .mapToLong(HistoryEvent::offset).sorted().toArray();
        return new Availability(longestOutage(history, timeline), occurrences(history, timeline, partitions), restarts);
    }

    /** How long the nodes that heals started again took to serve (NODE_READY), in milliseconds, sorted. */
    public long[] restartMillis() {
        return restartMillis.clone();
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

    private static List<FaultOccurrence> occurrences(List<HistoryEvent> history, OkTimeline timeline,
                                                     List<OkTimeline> partitions) {
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
        return faults.stream().map(f -> measure(f, faults, timeline, partitions)).toList();
    }

    private static FaultOccurrence measure(Fault fault, List<Fault> all, OkTimeline timeline, List<OkTimeline> partitions) {
        HistoryEvent start = fault.start;
        HistoryEvent stop = fault.stop;
        OptionalLong stopNanos = stop == null ? OptionalLong.empty() : OptionalLong.of(stop.timeNanos());
        long stall = stallNanos(start, stop, timeline);
        long partitionStall = partitions.stream().mapToLong(p -> stallNanos(start, stop, p)).max().orElse(stall);
        OptionalLong firstOkAfterHeal = stop == null ? OptionalLong.empty() : timeline.firstOkAfter(stop.timeNanos());
        OptionalLong recovery = firstOkAfterHeal.isPresent()
                ? OptionalLong.of(firstOkAfterHeal.getAsLong() - stop.timeNanos()) : OptionalLong.empty();
        boolean alone = all.stream().noneMatch(other -> other != fault && overlap(fault, other));
        return new FaultOccurrence(start.value(), start.detail(), start.timeNanos(), stopNanos, stall, partitionStall,
                alone, recovery);
    }

    /** The longest gap of {@code timeline} overlapping [start, its first acknowledgement after the heal]. */
    private static long stallNanos(HistoryEvent start, HistoryEvent stop, OkTimeline timeline) {
        if (timeline.isEmpty()) {
            return 0;
        }
        OptionalLong firstOkAfterHeal = stop == null ? OptionalLong.empty() : timeline.firstOkAfter(stop.timeNanos());
        long windowEnd = firstOkAfterHeal.orElse(timeline.workloadEndNanos());
        return timeline.longestGap(start.timeNanos(), windowEnd).map(Window::durationNanos).orElse(0L);
    }

    private static boolean overlap(Fault a, Fault b) {
        long aEnd = a.stop == null ? Long.MAX_VALUE : a.stop.timeNanos();
        long bEnd = b.stop == null ? Long.MAX_VALUE : b.stop.timeNanos();
        return a.start.timeNanos() <= bEnd && b.start.timeNanos() <= aEnd;
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
        List<FaultOccurrence> alone = faults.stream().filter(FaultOccurrence::alone).toList();
        OptionalLong maxStallAlone = alone.stream().mapToLong(FaultOccurrence::stallNanos).max();
        OptionalLong maxPartitionStallAlone = alone.stream().mapToLong(FaultOccurrence::partitionStallNanos).max();
        return new KindSummary(kind, faults.size(), maxStall, max, median(recoveries), faults.size() - recoveries.length,
                alone.size(), maxStallAlone, maxPartitionStallAlone);
    }

    private static OptionalLong median(long[] sorted) {
        if (sorted.length == 0) {
            return OptionalLong.empty();
        }
        int mid = sorted.length / 2;
        return OptionalLong.of(sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2);
    }

    /**
     * The longest outage, the longest stall under a single fault, the restart times, a summary table
     * per fault kind, then each kind's occurrences.
     */
    public String report() {
        StringBuilder out = new StringBuilder("availability (times in ms since the run began)\n");
        out.append("longest stretch without an acknowledged send: ").append(longestOutage.map(w ->
                Millis.format(w.durationNanos()) + " ms, from " + Millis.format(w.startNanos()) + " to "
                        + Millis.format(w.endNanos()) + (w.ended() ? "" : " (no acknowledgement until the end)"))
                .orElse("none (nothing acknowledged)")).append('\n');
        occurrences.stream().filter(FaultOccurrence::alone)
                .max(java.util.Comparator.comparingLong(FaultOccurrence::partitionStallNanos))
                .ifPresent(f -> out.append("under a single fault, the longest stall of one partition: ")
                        .append(Millis.format(f.partitionStallNanos())).append(" ms (").append(f.kind()).append(' ')
                        .append(f.detail()).append(" at ").append(Millis.format(f.startNanos())).append("); of all: ")
                        .append(Millis.format(occurrences.stream().filter(FaultOccurrence::alone)
                                .mapToLong(FaultOccurrence::stallNanos).max().orElse(0))).append(" ms\n"));
        if (restartMillis.length > 0) {
            out.append("nodes started again by heals: ").append(restartMillis.length).append(", ready after median ")
                    .append(restartMillis[restartMillis.length / 2]).append(" ms, max ")
                    .append(restartMillis[restartMillis.length - 1]).append(" ms\n");
        }
        if (occurrences.isEmpty()) {
            return out.append("no faults\n").toString();
        }
        out.append('\n').append(row("fault kind", "count", "alone", "max stall", "alone: stall", "alone: part.",
                "max recovery", "median recovery", "never recovered"));
        for (KindSummary s : byKind()) {
            out.append(row(s.kind(), String.valueOf(s.count()), String.valueOf(s.alone()), Millis.format(s.maxStallNanos()),
                    msOrNone(s.maxStallAloneNanos()), msOrNone(s.maxPartitionStallAloneNanos()),
                    msOrNever(s.maxRecoveryNanos()), msOrNever(s.medianRecoveryNanos()), String.valueOf(s.neverRecovered())));
        }
        out.append("  (alone: with no other fault at the same time; part.: the longest stall of one partition)\n");
        groupByKind().forEach((kind, faults) -> {
            out.append('\n').append(kind).append('\n')
                    .append(row("#", "start", "stop", "stall", "partition stall", "recovery", "detail"));
            for (int i = 0; i < faults.size(); i++) {
                FaultOccurrence f = faults.get(i);
                out.append(row(String.valueOf(i + 1), Millis.format(f.startNanos()), msOrNever(f.stopNanos()),
                        Millis.format(f.stallNanos()), Millis.format(f.partitionStallNanos()), msOrNever(f.recoveryNanos()),
                        f.detail() + (f.alone() ? "" : " (with another fault)")));
            }
        });
        return out.toString();
    }

    private static String msOrNone(OptionalLong nanos) {
        return nanos.isPresent() ? Millis.format(nanos.getAsLong()) : "-";
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
