package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the partitions hold at the end: the READs of the {@code final} process, offset to value per
 * partition. If the final drain read one offset twice, the first value stands (the inconsistency is
 * reported by the position checks).
 */
final class FinalLog {
    private final SortedMap<Integer, NavigableMap<Long, String>> byPartition;
    private final Map<Integer, Map<String, Long>> offsetByValue;
    private final Set<String> values;
    private final boolean drained;

    private FinalLog(SortedMap<Integer, NavigableMap<Long, String>> byPartition,
                     Map<Integer, Map<String, Long>> offsetByValue, Set<String> values, boolean drained) {
        this.byPartition = byPartition;
        this.offsetByValue = offsetByValue;
        this.values = values;
        this.drained = drained;
    }

    static FinalLog from(Iterable<HistoryEvent> history) {
        SortedMap<Integer, NavigableMap<Long, String>> byPartition = new TreeMap<>();
        Map<Integer, Map<String, Long>> offsetByValue = new HashMap<>();
        Set<String> values = new HashSet<>();
        boolean drained = false;
        for (HistoryEvent e : history) {
            if (e.type() == HistoryEvent.Type.READ && HistoryEvent.FINAL.equals(e.process())) {
                drained = true;
                byPartition.computeIfAbsent(e.partition(), p -> new TreeMap<>()).putIfAbsent(e.offset(), e.value());
                offsetByValue.computeIfAbsent(e.partition(), p -> new HashMap<>()).putIfAbsent(e.value(), e.offset());
                values.add(e.value());
            }
        }
        return new FinalLog(byPartition, offsetByValue, values, drained);
    }

    /**
     * Whether the final drain read anything at all. Without it there is no reference log, and the
     * checks that compare against one are skipped (the run is reported as not live instead).
     */
    boolean drained() {
        return drained;
    }

    NavigableMap<Long, String> partition(int partition) {
        return Collections.unmodifiableNavigableMap(byPartition.getOrDefault(partition, new TreeMap<>()));
    }

    /** The value at that offset, or null. */
    String valueAt(int partition, long offset) {
        NavigableMap<Long, String> records = byPartition.get(partition);
        return records == null ? null : records.get(offset);
    }

    boolean contains(int partition, String value) {
        return offsetOf(partition, value) != null;
    }

    boolean containsAnywhere(String value) {
        return values.contains(value);
    }

    /** Where the value sits in that partition, or null. */
    Long offsetOf(int partition, String value) {
        return offsetByValue.getOrDefault(partition, Map.of()).get(value);
    }

    /** The last offset read plus one, or 0 for a partition the final drain read nothing of. */
    long endOffset(int partition) {
        NavigableMap<Long, String> records = byPartition.get(partition);
        return records == null || records.isEmpty() ? 0 : records.lastKey() + 1;
    }

    /**
     * Whether an acknowledged offset names a place the log can have: not negative and, once there is
     * a final log, below its end.
     */
    boolean isPossibleOffset(int partition, long offset) {
        return offset >= 0 && (!drained || offset < endOffset(partition));
    }

    /** Records read per partition. */
    SortedMap<Integer, Integer> sizes() {
        SortedMap<Integer, Integer> sizes = new TreeMap<>();
        byPartition.forEach((p, records) -> sizes.put(p, records.size()));
        return sizes;
    }
}
