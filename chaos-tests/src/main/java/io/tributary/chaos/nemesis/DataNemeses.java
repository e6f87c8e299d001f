package io.tributary.chaos.nemesis;

import io.tributary.chaos.cluster.ChaosCluster;
import io.tributary.chaos.history.RetentionRecord;
import io.tributary.chaos.history.TrimRecord;
import io.tributary.client.Admin;
import io.tributary.proto.TopicPartition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /** How long a retention spell's heal keeps trying to restore the topic's configs. */
    private static final Duration RESTORE_WAIT = Duration.ofSeconds(30);

    /**
     * A spell of short retention on the workload topic: {@code retention.ms} of 1 to 3 s and 4 KiB
     * segments, so that every replica's log-maintenance thread deletes old segments while faults
     * strike; the heal removes both configs again (the topic's defaults keep data for days). The
     * checker lets records produced before the spell's end (plus a margin) minus retention.ms be
     * gone, and nothing after them ({@code Trims}).
     */
    public static Nemesis retention() {
        return new Nemesis() {
            @Override
            public String kind() {
                return RetentionRecord.KIND;
            }

            @Override
            public boolean touchesProcesses() {
                return false;
            }

            @Override
            public Fault inject(ChaosCluster cluster, Targets targets, RandomGenerator random) {
                RetentionRecord spell = new RetentionRecord(1_000 + random.nextInt(2_001)); // shorter than a fault: segments expire during it
                String outcome;
                try (Admin admin = Admin.create(cluster.bootstrap(), ADMIN_TIMEOUT)) {
                    admin.alterConfigs(targets.topic(), Map.of("retention.ms", Long.toString(spell.retentionMs()),
                            "segment.bytes", "4096"), List.of());
                    outcome = "applied";
                } catch (RuntimeException e) {
                    outcome = "outcome unknown: " + e.getMessage(); // it may have been applied: the heal restores
                }
                String description = spell.describe(outcome);
                return new Fault() {
                    @Override
                    public String description() {
                        return description;
                    }

                    @Override
                    public void heal() throws InterruptedException {
                        long deadline = System.nanoTime() + RESTORE_WAIT.toNanos();
                        while (true) {
                            try (Admin admin = Admin.create(cluster.bootstrap(), ADMIN_TIMEOUT)) {
                                admin.alterConfigs(targets.topic(), Map.of(), List.of("retention.ms", "segment.bytes"));
                                return;
                            } catch (RuntimeException e) {
                                if (System.nanoTime() > deadline) {
                                    throw e;
                                }
                                Thread.sleep(500); // a back-off between attempts while another fault heals
                            }
                        }
                    }
                };
            }
        };
    }
}
