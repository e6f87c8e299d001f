package io.tributary.chaos.nemesis;

import io.tributary.chaos.cluster.ChaosCluster;
import io.tributary.chaos.history.TrimRecord;
import io.tributary.client.Admin;
import io.tributary.proto.TopicPartition;
import java.time.Duration;
import java.util.random.RandomGenerator;

/** Operations on the workload's data that a live cluster must take in its stride. */
public final class DataNemeses {
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(5);

    private DataNemeses() {
    }

    /**
     * DeleteRecords on a random workload partition, up to a random offset in the first half of what
     * is readable (so the final drain still finds records): the partition's start moves on every
     * replica while faults strike. Never fails: an unanswered request is recorded with its offset,
     * since it may have been applied.
     */
    public static Nemesis trim() {
        return new Nemesis() {
            @Override
            public String kind() {
                return TrimRecord.KIND;
            }

            @Override
            public boolean touchesProcesses() {
                return false;
            }

            @Override
            public Fault inject(ChaosCluster cluster, Targets targets, RandomGenerator random) {
                TopicPartition tp = new TopicPartition(targets.topic(), random.nextInt(targets.partitionCount()));
                double fraction = random.nextDouble() / 2;
                try (Admin admin = Admin.create(cluster.bootstrap(), ADMIN_TIMEOUT)) {
                    long start;
                    long highWatermark;
                    try {
                        start = admin.listOffsets(tp, Admin.EARLIEST);
                        highWatermark = admin.listOffsets(tp, Admin.LATEST);
                    } catch (RuntimeException e) {
                        return Nemesis.done("partition " + tp.partition() + ": no offsets known (" + e + ")");
                    }
                    TrimRecord trim = new TrimRecord(tp.partition(), start + (long) (fraction * (highWatermark - start)));
                    try {
                        return Nemesis.done(trim.describe("start now " + admin.deleteRecords(tp, trim.below())));
                    } catch (RuntimeException e) {
                        return Nemesis.done(trim.describe("outcome unknown: " + e.getMessage()));
                    }
                }
            }
        };
    }
}
