package io.tributary.chaos.checker;

import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What one node's copy of one partition held after the run, read from its segment files once the
 * node stopped: offset to record value.
 *
 * @param node the node id
 * @param partition the partition
 * @param inIsr whether the node was in the partition's final ISR (it must then hold every offset below the high watermark)
 * @param highWatermark the partition's high watermark at the end (the leader's), the same in every dump of the partition
 * @param records offset to value, as found on that node's disk
 */
public record ReplicaDump(int node, int partition, boolean inIsr, long highWatermark, NavigableMap<Long, String> records) {
    public ReplicaDump {
        records = new TreeMap<>(records);
    }
}
