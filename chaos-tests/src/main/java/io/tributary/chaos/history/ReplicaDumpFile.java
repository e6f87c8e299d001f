package io.tributary.chaos.history;

import io.tributary.chaos.checker.ReplicaDump;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicas read from the nodes' disks at the end of a run, saved beside the history
 * ({@code replicas.tsv}: node, partition, in ISR, high watermark, offset, value per line) so that
 * a run can be checked again later without its data directories.
 */
public final class ReplicaDumpFile {
    private static final String HEADER = "# tributary chaos replicas v1: node partition inIsr highWatermark offset value";

    private ReplicaDumpFile() {
    }

    public static void write(Path file, List<ReplicaDump> dumps) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(HEADER);
            out.newLine();
            for (ReplicaDump dump : dumps) {
                String prefix = dump.node() + "\t" + dump.partition() + "\t" + dump.inIsr() + "\t" + dump.highWatermark();
                out.write(prefix + "\t-1\t");
                out.newLine(); // a marker line, so that an empty replica is still listed
                for (Map.Entry<Long, String> record : dump.records().entrySet()) {
                    out.write(prefix + "\t" + record.getKey() + "\t" + record.getValue());
                    out.newLine();
                }
            }
        }
    }

    public static List<ReplicaDump> read(Path file) throws IOException {
        record Key(int node, int partition, boolean inIsr, long highWatermark) {
        }
        Map<Key, TreeMap<Long, String>> byReplica = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 6) {
                throw new IllegalArgumentException("replica line has " + f.length + " fields, not 6: " + line);
            }
            Key key = new Key(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Boolean.parseBoolean(f[2]),
                    Long.parseLong(f[3]));
            TreeMap<Long, String> records = byReplica.computeIfAbsent(key, k -> new TreeMap<>());
            long offset = Long.parseLong(f[4]);
            if (offset >= 0) {
                records.put(offset, f[5]);
            }
        }
        List<ReplicaDump> dumps = new ArrayList<>();
        byReplica.forEach((k, records) -> dumps.add(new ReplicaDump(k.node(), k.partition(), k.inIsr(),
                k.highWatermark(), records)));
        return dumps;
    }
}
