package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * LIVENESS: once the last fault was healed the system must work again. Every producer that sent
 * after the last NEMESIS_STOP must get an acknowledgement after it, and the final drain must read
 * every partition that acknowledged anything. With no NEMESIS_STOP at all, the whole run counts as
 * healed.
 */
final class LivenessChecks {
    private LivenessChecks() {
    }

    static void run(List<HistoryEvent> history, Sends sends, FinalLog log, Trims trims, Findings out) {
        producersRecover(history, out);
        finalDrainComplete(sends, log, trims, out);
    }

    private static void producersRecover(List<HistoryEvent> history, Findings out) {
        long healedNanos = history.stream().filter(e -> e.type() == HistoryEvent.Type.NEMESIS_STOP)
                .mapToLong(HistoryEvent::timeNanos).max().orElse(Long.MIN_VALUE);
        Map<String, Integer> sentAfterHeal = new LinkedHashMap<>();
        Set<String> ackedAfterHeal = new HashSet<>();
        for (HistoryEvent e : history) {
            if (e.timeNanos() <= healedNanos) {
                continue;
            }
            switch (e.type()) {
                case INVOKE -> sentAfterHeal.merge(e.process(), 1, Integer::sum);
                case OK -> ackedAfterHeal.add(e.process());
                default -> { }
            }
        }
        String since = healedNanos == Long.MIN_VALUE ? "in the run"
                : "after the last heal (at " + Millis.format(healedNanos) + " ms)";
        sentAfterHeal.forEach((producer, sent) -> {
            if (!ackedAfterHeal.contains(producer)) {
                out.add(Anomaly.LIVENESS, producer + " sent " + sent + " value(s) " + since + " and none was acknowledged");
            }
        });
    }

    private static void finalDrainComplete(Sends sends, FinalLog log, Trims trims, Findings out) {
        SortedSet<Integer> ackedPartitions = new TreeSet<>(); // that still hold an acknowledged record
        sends.ok().stream().filter(s -> !trims.mayBeDeleted(s.partition(), s.ackOffset()))
                .forEach(s -> ackedPartitions.add(s.partition()));
        if (ackedPartitions.isEmpty()) {
            return;
        }
        if (!log.drained()) {
            out.add(Anomaly.LIVENESS, "the final drain read nothing, though " + sends.ok().size()
                    + " send(s) were acknowledged (checks against the final log were skipped)");
            return;
        }
        for (int partition : ackedPartitions) {
            if (log.partition(partition).isEmpty()) {
                out.add(Anomaly.LIVENESS, "partition " + partition
                        + " acknowledged sends but the final drain read nothing from it");
            }
        }
    }
}
