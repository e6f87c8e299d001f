package io.tributary.chaos.nemesis;

import io.tributary.chaos.cluster.ChaosCluster;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

/** Faults that stop, kill or freeze node processes. */
public final class ProcessNemeses {
    private ProcessNemeses() {
    }

    /** kill -9 a partition leader (or any node); healing restarts it on the same data. */
    public static Nemesis kill() {
        return killing("kill", Targets::partitionLeader);
    }

    /** kill -9 the active controller; healing restarts it. */
    public static Nemesis killController() {
        return killing("kill-controller", Targets::activeController);
    }

    /** SIGSTOP a partition leader: it holds its sockets and says nothing; healing sends SIGCONT. */
    public static Nemesis pause() {
        return new ProcessNemesis("pause", (cluster, targets, random) -> {
            int node = targets.partitionLeader(random);
            cluster.pause(node);
            return fault("node " + node, () -> cluster.resume(node));
        });
    }

    /** SIGTERM each node in turn (controlled shutdown) and restart it before the next. */
    private static final Duration ROLLING_RESTART_ISR_WAIT = Duration.ofSeconds(30);

    public static Nemesis rollingRestart() {
        return new ProcessNemesis("rolling-restart", (cluster, targets, random) -> {
            List<Integer> order = cluster.upNodes();
            for (int node : order) {
                cluster.stop(node);
                cluster.restart(node);
                // as operators do (and Kafka's docs ask): the next node only once no partition is
                // under-replicated, or a partition whose restarted replica is still catching up loses
                // a second one and falls below min.insync.replicas (a 23 s stall of one partition,
                // seed 2026120103); bounded, so a node that cannot catch up still lets the run go on
                cluster.awaitFullIsr(targets.topic(), ROLLING_RESTART_ISR_WAIT);
            }
            return Nemesis.done("nodes " + order);
        }, true);
    }

    private static Nemesis killing(String kind, TargetChooser chooser) {
        return new ProcessNemesis(kind, (cluster, targets, random) -> {
            int node = chooser.choose(targets, random);
            cluster.kill9(node);
            return fault("node " + node, () -> cluster.relaunch(node));
        });
    }

    interface TargetChooser {
        int choose(Targets targets, RandomGenerator random);
    }

    interface Injector {
        Nemesis.Fault inject(ChaosCluster cluster, Targets targets, RandomGenerator random) throws Exception;
    }

    interface Healer {
        void heal() throws Exception;
    }

    static Nemesis.Fault fault(String description, Healer healer) {
        return new Nemesis.Fault() {
            @Override
            public String description() {
                return description;
            }

            @Override
            public void heal() throws Exception {
                healer.heal();
            }
        };
    }

    private record ProcessNemesis(String kind, Injector injector, boolean playsAlone) implements Nemesis {
        ProcessNemesis(String kind, Injector injector) {
            this(kind, injector, false);
        }

        @Override
        public boolean touchesProcesses() {
            return true;
        }

        @Override
        public Fault inject(ChaosCluster cluster, Targets targets, RandomGenerator random) throws Exception {
            return injector.inject(cluster, targets, random);
        }
    }
}
