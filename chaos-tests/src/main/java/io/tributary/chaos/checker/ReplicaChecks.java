package io.tributary.chaos.checker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * DIVERGENT_REPLICAS: below the high watermark every replica must hold what the final drain read,
 * and replicas must agree with one another; a replica in the ISR must hold every such offset. Above
 * the high watermark replicas may differ (an uncommitted tail that truncation will repair). Each
 * divergent position counts once, however many replicas differ there.
 */
final class ReplicaChecks {
    private ReplicaChecks() {
    }

    static void run(List<ReplicaDump> dumps, FinalLog log, Trims trims, Findings out) {
        Map<Integer, List<ReplicaDump>> byPartition = new TreeMap<>();
        for (ReplicaDump dump : dumps) {
            byPartition.computeIfAbsent(dump.partition(), p -> new ArrayList<>()).add(dump);
        }
        byPartition.forEach((partition, replicas) -> {
            replicas.sort(Comparator.comparingInt(ReplicaDump::node));
            long highestHw = replicas.stream().mapToLong(ReplicaDump::highWatermark).max().orElse(0);
            for (long offset = trims.below(partition); offset < highestHw; offset++) { // below: deleted on request
                checkOffset(new Position(partition, offset), replicas, log, out);
            }
        });
    }

    private static void checkOffset(Position at, List<ReplicaDump> replicas, FinalLog log, Findings out) {
        // where the final drain did not read this offset there is nothing to compare with but the other replicas
        String expected = log.valueAt(at.partition(), at.offset());
        Set<String> values = new LinkedHashSet<>();
        if (expected != null) {
            values.add(expected);
        }
        boolean missingFromIsr = false;
        for (ReplicaDump replica : replicas) {
            if (at.offset() >= replica.highWatermark()) {
                continue;
            }
            String value = replica.records().get(at.offset());
            if (value != null) {
                values.add(value);
            } else if (replica.inIsr()) {
                missingFromIsr = true;
            }
        }
        if (missingFromIsr || values.size() > 1) {
            out.add(Anomaly.DIVERGENT_REPLICAS, describe(at, expected, replicas));
        }
    }

    /** "0@3 below the high watermark: final p0-3, node1 p1-9, node2 missing (in ISR)". */
    private static String describe(Position at, String expected, List<ReplicaDump> replicas) {
        StringBuilder text = new StringBuilder(at + " below the high watermark: final ")
                .append(expected == null ? "not read" : expected);
        for (ReplicaDump replica : replicas) {
            if (at.offset() < replica.highWatermark()) {
                String value = replica.records().get(at.offset());
                text.append(", node").append(replica.node()).append(' ')
                        .append(value != null ? value : replica.inIsr() ? "missing (in ISR)" : "missing (not in ISR)");
            }
        }
        return text.toString();
    }
}
