package io.tributary.chaos.checker;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Collects anomalies as the checks find them: a count per anomaly and its first few examples. */
final class Findings {
    private final Map<Anomaly, Integer> counts = new EnumMap<>(Anomaly.class);
    private final Map<Anomaly, List<String>> examples = new EnumMap<>(Anomaly.class);

    void add(Anomaly anomaly, String example) {
        counts.merge(anomaly, 1, Integer::sum);
        List<String> list = examples.computeIfAbsent(anomaly, a -> new ArrayList<>());
        if (list.size() < CheckResult.MAX_EXAMPLES) {
            list.add(example);
        }
    }

    CheckResult toResult(CheckResult.Totals totals) {
        return new CheckResult(counts, examples, totals);
    }
}
