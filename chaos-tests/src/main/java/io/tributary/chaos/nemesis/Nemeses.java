package io.tributary.chaos.nemesis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every nemesis by its kind, and the parsing of {@code --nemesis all|kind,kind}. */
public final class Nemeses {
    private static final Map<String, Nemesis> ALL = new LinkedHashMap<>();

    static {
        for (Nemesis nemesis : List.of(ProcessNemeses.kill(), ProcessNemeses.killController(), ProcessNemeses.pause(),
                ProcessNemeses.rollingRestart(), NetworkNemeses.randomHalves(), NetworkNemeses.isolateLeader(),
                NetworkNemeses.isolateController(), NetworkNemeses.bridge(), NetworkNemeses.oneWay(),
                NetworkNemeses.quorumCut(), NetworkNemeses.isolateLeaderFromClients(), DiskNemeses.powerLoss(),
                DiskNemeses.powerLossAll(), DiskNemeses.lostDisk(), DiskNemeses.corruption(), DiskNemeses.fullDisk(),
                DiskNemeses.slowDisk(), DataNemeses.trim(), DataNemeses.retention())) {
            ALL.put(nemesis.kind(), nemesis);
        }
    }

    private Nemeses() {
    }

    public static List<String> kinds() {
        return List.copyOf(ALL.keySet());
    }

    /** "all", or kinds separated by commas. */
    public static List<Nemesis> parse(String spec) {
        if (spec.equals("all")) {
            return List.copyOf(ALL.values());
        }
        if (spec.equals("all-but-disks")) {
            return ALL.values().stream().filter(n -> !n.needsDisks()).toList();
        }
        List<Nemesis> out = new ArrayList<>();
        for (String kind : spec.split(",")) {
            Nemesis nemesis = ALL.get(kind.trim());
            if (nemesis == null) {
                throw new IllegalArgumentException("unknown nemesis '" + kind.trim() + "'; known: all, all-but-disks, "
                        + kinds());
            }
            out.add(nemesis);
        }
        return out;
    }
}
