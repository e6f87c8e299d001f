package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import io.tributary.chaos.history.HistoryEvent.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The rule for a compacted topic, on the history of its keyed producer and its final drain: each
 * key keeps its latest record. Values are {@code <key>:<process>-<seq>}. Pure.
 *
 * <ul>
 *   <li><b>lost latest</b>: a key's acknowledged write at offset o, with no record of that key at
 *       offset o or later in the final log (compaction removed a record no later one replaced, or
 *       the write was lost);</li>
 *   <li><b>wrong offset</b>: the final log holds a value at another offset than it was acknowledged at;</li>
 *   <li><b>invented</b>: the final log holds a value no producer sent;</li>
 *   <li><b>divergent replicas</b>, from the replicas' files after the run: below the high watermark
 *       two replicas (or a replica and the final drain) hold different values at one offset, or an
 *       in-sync replica lacks a key's latest record that the final log holds (each replica cleans
 *       on its own, so older records of a key may be on one and not another, but never the latest).</li>
 * </ul>
 * Older records of a key may or may not be there: compaction is not required to have run.
 */
public final class CompactionChecks {
    /**
     * @param acked       acknowledged writes
     * @param finalRecords records the final drain read
     * @param keys        distinct keys written
     */
    public record Result(int acked, int finalRecords, int keys, List<String> lostLatest, List<String> wrongOffset,
                         List<String> invented, int replicasCompared, List<String> divergentReplicas) {
        public boolean valid() {
            return lostLatest.isEmpty() && wrongOffset.isEmpty() && invented.isEmpty() && divergentReplicas.isEmpty();
        }

        public String report() {
            StringBuilder out = new StringBuilder("compacted topic: " + acked + " writes acknowledged over " + keys
                    + " keys; the final log holds " + finalRecords + " records (a final drain that did not finish"
                    + " shows as lost latest)\n");
            out.append(String.format("  %-28s %d%n", "lost latest", lostLatest.size()));
            lostLatest.stream().limit(CheckResult.MAX_EXAMPLES).forEach(e -> out.append("    ").append(e).append('\n'));
            out.append(String.format("  %-28s %d%n", "wrong offset", wrongOffset.size()));
            wrongOffset.stream().limit(CheckResult.MAX_EXAMPLES).forEach(e -> out.append("    ").append(e).append('\n'));
            out.append(String.format("  %-28s %d%n", "invented", invented.size()));
            invented.stream().limit(CheckResult.MAX_EXAMPLES).forEach(e -> out.append("    ").append(e).append('\n'));
            out.append(String.format("  %-28s %d (%d replicas compared)%n", "divergent replicas", divergentReplicas.size(),
                    replicasCompared));
            divergentReplicas.stream().limit(CheckResult.MAX_EXAMPLES).forEach(e -> out.append("    ").append(e).append('\n'));
            out.append(valid() ? "  VALID\n" : "  INVALID\n");
            return out.toString();
        }
    }

    private CompactionChecks() {
    }

    /** The rule on the history alone (no replica files). */
    public static Result check(List<HistoryEvent> history) {
        return check(history, List.of());
    }

    /** The rule on the history and the compacted topic's replicas as read from the nodes' files. */
    public static Result check(List<HistoryEvent> history, List<ReplicaDump> replicas) {
        Set<String> sent = new HashSet<>();
        Map<String, Long> ackedAt = new HashMap<>();
        Map<String, Long> latestAcked = new HashMap<>(); // "partition/key" -> highest acknowledged offset
        Map<String, Long> latestFinal = new HashMap<>(); // "partition/key" -> highest offset in the final log
        Set<String> keys = new HashSet<>();
        List<String> wrongOffset = new ArrayList<>();
        List<String> invented = new ArrayList<>();
        int finalRecords = 0;
        for (HistoryEvent e : history) {
            if (e.type() == Type.INVOKE) {
                sent.add(e.value());
            } else if (e.type() == Type.OK) {
                ackedAt.put(e.value(), e.offset());
                keys.add(keyOf(e.value()));
                latestAcked.merge(e.partition() + "/" + keyOf(e.value()), e.offset(), Math::max);
            }
        }
        for (HistoryEvent e : history) {
            if (e.type() != Type.READ || !HistoryEvent.FINAL.equals(e.process())) {
                continue;
            }
            finalRecords++;
            if (!sent.contains(e.value())) {
                invented.add("partition " + e.partition() + " offset " + e.offset() + ": '" + e.value() + "' was never sent");
                continue;
            }
            Long acked = ackedAt.get(e.value());
            if (acked != null && acked != e.offset()) {
                wrongOffset.add("'" + e.value() + "' acknowledged at offset " + acked + " but read at " + e.offset());
            }
            latestFinal.merge(e.partition() + "/" + keyOf(e.value()), e.offset(), Math::max);
        }
        List<String> lostLatest = new ArrayList<>();
        for (Map.Entry<String, Long> e : latestAcked.entrySet()) {
            Long kept = latestFinal.get(e.getKey());
            if (kept == null || kept < e.getValue()) {
                lostLatest.add("partition/key " + e.getKey() + ": acknowledged at offset " + e.getValue()
                        + ", the final log's latest is " + (kept == null ? "missing" : "at offset " + kept));
            }
        }
        lostLatest.sort(null);
        return new Result(ackedAt.size(), finalRecords, keys.size(), lostLatest, wrongOffset, invented, replicas.size(),
                divergentReplicas(history, replicas));
    }

    private static List<String> divergentReplicas(List<HistoryEvent> history, List<ReplicaDump> replicas) {
        Map<Integer, NavigableMap<Long, String>> finalLog = new TreeMap<>();
        for (HistoryEvent e : history) {
            if (e.type() == Type.READ && HistoryEvent.FINAL.equals(e.process())) {
                finalLog.computeIfAbsent(e.partition(), p -> new TreeMap<>()).put(e.offset(), e.value());
            }
        }
        Map<Integer, List<ReplicaDump>> byPartition = new TreeMap<>();
        replicas.forEach(r -> byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r));
        List<String> divergent = new ArrayList<>();
        byPartition.forEach((partition, copies) -> {
            NavigableMap<Long, String> drained = finalLog.getOrDefault(partition, new TreeMap<>());
            long highWatermark = copies.stream().mapToLong(ReplicaDump::highWatermark).max().orElse(0);
            SortedSet<Long> offsets = new TreeSet<>(drained.headMap(highWatermark).keySet());
            copies.forEach(c -> offsets.addAll(c.records().headMap(highWatermark).keySet()));
            for (long offset : offsets) {
                Set<String> values = new LinkedHashSet<>();
                if (drained.containsKey(offset)) {
                    values.add(drained.get(offset));
                }
                copies.forEach(c -> {
                    String value = c.records().get(offset);
                    if (value != null) {
                        values.add(value);
                    }
                });
                if (values.size() > 1) {
                    divergent.add("partition " + partition + " offset " + offset + ": " + values);
                }
            }
            Map<String, Long> latestPerKey = new TreeMap<>();
            drained.headMap(highWatermark).forEach((offset, value) -> latestPerKey.merge(keyOf(value), offset, Math::max));
            for (ReplicaDump copy : copies) {
                if (!copy.inIsr()) {
                    continue;
                }
                latestPerKey.forEach((key, offset) -> {
                    if (!copy.records().containsKey(offset)) {
                        divergent.add("partition " + partition + ": node " + copy.node() + " (in the ISR) lacks key "
                                + key + "'s latest record, offset " + offset);
                    }
                });
            }
        });
        return divergent;
    }

    static String keyOf(String value) {
        int colon = value.indexOf(':');
        return colon < 0 ? "" : value.substring(0, colon);
    }
}
