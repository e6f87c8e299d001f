package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The checks that values and positions pair one to one, across every acknowledgement and every
 * READ (the final drain's included): DUPLICATE (one value at two positions) and
 * INCONSISTENT_OFFSETS (one position with two values). An acknowledgement at an impossible offset
 * names no position; it is WRONG_ACKED_OFFSET's business.
 */
final class PositionChecks {
    /** value -> position -> who saw it there. */
    private final Map<String, Map<Position, Set<String>>> positionsByValue = new LinkedHashMap<>();
    /** position -> value -> who saw it there. */
    private final Map<Position, Map<String, Set<String>>> valuesByPosition = new TreeMap<>();

    private PositionChecks() {
    }

    static void run(Iterable<HistoryEvent> history, FinalLog log, Findings out) {
        PositionChecks checks = new PositionChecks();
        for (HistoryEvent e : history) {
            switch (e.type()) {
                case OK -> {
                    if (log.isPossibleOffset(e.partition(), e.offset())) {
                        checks.observe(e.value(), new Position(e.partition(), e.offset()), e.process() + " ack");
                    }
                }
                case READ -> checks.observe(e.value(), new Position(e.partition(), e.offset()), e.process());
                default -> { }
            }
        }
        checks.report(out);
    }

    private void observe(String value, Position position, String who) {
        positionsByValue.computeIfAbsent(value, v -> new TreeMap<>())
                .computeIfAbsent(position, p -> new LinkedHashSet<>()).add(who);
        valuesByPosition.computeIfAbsent(position, p -> new LinkedHashMap<>())
                .computeIfAbsent(value, v -> new LinkedHashSet<>()).add(who);
    }

    private void report(Findings out) {
        positionsByValue.forEach((value, positions) -> {
            if (positions.size() > 1) {
                out.add(Anomaly.DUPLICATE, value + " at " + describe(positions));
            }
        });
        valuesByPosition.forEach((position, values) -> {
            if (values.size() > 1) {
                out.add(Anomaly.INCONSISTENT_OFFSETS, position + " holds " + describe(values));
            }
        });
    }

    /** "0@3 (final, c0), 0@7 (p0 ack)" or "p0-3 (final), p1-9 (c0)". */
    private static String describe(Map<?, Set<String>> seen) {
        return seen.entrySet().stream()
                .map(e -> e.getKey() + " (" + String.join(", ", e.getValue()) + ")")
                .collect(Collectors.joining(", "));
    }
}
