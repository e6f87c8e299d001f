package io.tributary.chaos.nemesis;

import io.tributary.chaos.cluster.ChaosCluster;
import java.util.random.RandomGenerator;

/**
 * One kind of fault. {@link #inject} applies it now and returns the {@link Fault}, whose
 * {@link Fault#heal()} undoes exactly what it did, so that faults compose: a partition and a kill
 * can be active together and be healed in any order.
 */
public interface Nemesis {

    /** The fault kind, as the history and the availability report name it. */
    String kind();

    /** Whether it stops or pauses processes (at most one such fault runs at a time, so a majority stays up). */
    boolean touchesProcesses();

    Fault inject(ChaosCluster cluster, Targets targets, RandomGenerator random) throws Exception;

    /**
     * Whether it is only played on its own: a rolling restart waits for each node to be ready before
     * the next, which a network fault cutting that node off would hold for good.
     */
    default boolean playsAlone() {
        return false;
    }

    /** Whether it needs the cluster's power-loss disk mounts. */
    default boolean needsDisks() {
        return false;
    }

    /** An active fault. */
    interface Fault {
        /** Where it struck, for the history ("node 2", "{1,3} | {2}"). */
        String description();

        void heal() throws Exception;
    }

    /** A fault that was over as soon as it was applied (a rolling restart): nothing to heal. */
    static Fault done(String description) {
        return new Fault() {
            @Override
            public String description() {
                return description;
            }

            @Override
            public void heal() {
            }
        };
    }
}
