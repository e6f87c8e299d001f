package io.tributary.broker.group;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test support: what the log cleaner leaves of a list of group records. */
public final class CompactedLogs {
    private CompactedLogs() {
    }

    /** The last record of each key, in log order (tombstones kept). */
    public static List<GroupRecord> compact(List<GroupRecord> records) {
        Map<Object, Integer> last = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            last.put(records.get(i).key(), i);
        }
        List<GroupRecord> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            if (last.get(records.get(i).key()) == i) {
                out.add(records.get(i));
            }
        }
        return out;
    }
}
