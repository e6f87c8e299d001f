package io.tributary.chaos.checker;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The verdict on one history: a count per {@link Anomaly} with its first few examples, and totals
 * that say how much the run exercised (a clean verdict on a run that acknowledged nothing means
 * little). A run is valid when every applicable anomaly counts 0.
 */
public final class CheckResult {
    /** Examples kept per anomaly: enough to start debugging, few enough to read. */
    public static final int MAX_EXAMPLES = 5;

    /**
     * What the history held.
     *
     * @param invocations INVOKE events
     * @param ok sends acknowledged
     * @param fail sends that got a definite error
     * @param unknown sends with an indefinite outcome (INFO) or none at all
     * @param reads READs of the consumers other than {@code final}
     * @param finalLogSizes records the final drain read, per partition
     */
    public record Totals(int invocations, int ok, int fail, int unknown, int reads,
                         SortedMap<Integer, Integer> finalLogSizes) {
        public Totals {
            finalLogSizes = new TreeMap<>(finalLogSizes);
        }
    }

    private final Map<Anomaly, Integer> counts;
    private final Map<Anomaly, List<String>> examples;
    private final Totals totals;

    CheckResult(Map<Anomaly, Integer> counts, Map<Anomaly, List<String>> examples, Totals totals) {
        this.counts = new EnumMap<>(Anomaly.class);
        this.examples = new EnumMap<>(Anomaly.class);
        for (Anomaly anomaly : Anomaly.values()) {
            this.counts.put(anomaly, counts.getOrDefault(anomaly, 0));
            this.examples.put(anomaly, List.copyOf(examples.getOrDefault(anomaly, List.of())));
        }
        this.totals = totals;
    }

    public int count(Anomaly anomaly) {
        return counts.get(anomaly);
    }

    /** Every anomaly with its count, zeros included. */
    public Map<Anomaly, Integer> counts() {
        return new EnumMap<>(counts);
    }

    /** Up to {@link #MAX_EXAMPLES} examples, in the order found. */
    public List<String> examples(Anomaly anomaly) {
        return examples.get(anomaly);
    }

    public Totals totals() {
        return totals;
    }

    public boolean valid() {
        return counts.entrySet().stream().allMatch(e -> !e.getKey().applicable() || e.getValue() == 0);
    }

    /** A table of every anomaly and its count, then the examples of those found. */
    public String report() {
        StringBuilder out = new StringBuilder();
        long found = counts.entrySet().stream().filter(e -> e.getKey().applicable() && e.getValue() > 0).count();
        out.append("history check: ").append(valid() ? "VALID" : "INVALID (" + found + " kinds of anomaly)").append('\n');
        out.append(String.format(Locale.ROOT, "sends: %d invoked, %d ok, %d failed, %d unknown; consumer reads: %d; final log: %s\n",
                totals.invocations(), totals.ok(), totals.fail(), totals.unknown(), totals.reads(), finalLogSummary()));
        out.append('\n').append(String.format(Locale.ROOT, "%-32s %6s\n", "anomaly", "count"));
        for (Anomaly anomaly : Anomaly.values()) {
            if (anomaly.applicable()) {
                out.append(String.format(Locale.ROOT, "%-32s %6d\n", anomaly.humanName(), count(anomaly)));
            } else {
                out.append(String.format(Locale.ROOT, "%-32s %6s  not applicable yet (no transactions)\n",
                        anomaly.humanName(), "n/a"));
            }
        }
        if (found > 0) {
            out.append("\nexamples (positions are partition@offset):\n");
            for (Anomaly anomaly : Anomaly.values()) {
                if (count(anomaly) > 0) {
                    out.append(anomaly.humanName()).append(" (").append(count(anomaly)).append("):\n");
                    examples(anomaly).forEach(example -> out.append("  - ").append(example).append('\n'));
                }
            }
        }
        return out.toString();
    }

    private String finalLogSummary() {
        if (totals.finalLogSizes().isEmpty()) {
            return "nothing read";
        }
        return totals.finalLogSizes().entrySet().stream()
                .map(e -> "partition " + e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
