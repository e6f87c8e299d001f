package io.tributary.chaos.nemesis;

import io.tributary.chaos.cluster.ChaosCluster;
import io.tributary.chaos.history.History;
import io.tributary.chaos.history.HistoryEvent;
import io.tributary.chaos.history.HistoryEvent.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs faults one round after another until the time is up: a quiet spell, then one nemesis (and,
 * now and then, a second one of the other family: a network fault with a process fault), held for
 * a while, then healed. Every choice (which nemesis, which target, how long) comes from the seed;
 * only what the cluster answers (who leads) varies between two runs with the same seed. Each
 * start and heal is recorded in the history. At most one process fault is active at a time, so a
 * majority of the nodes always runs, and the nodes a heal started again are awaited (up to
 * {@link #RESTART_WAIT}; NODE_READY records how long each took), then full ISRs, before the next
 * quiet spell.
 */
public final class NemesisSchedule {
    private static final Logger log = LoggerFactory.getLogger(NemesisSchedule.class);

    /** How long a round waits for the nodes its heal started again before the next quiet spell. */
    private static final Duration RESTART_WAIT = Duration.ofSeconds(45);

    private final List<Nemesis> nemeses;
    private final FaultPacing pacing;
    private final Random random;
    private final long quietMinMs;
    private final long quietMaxMs;
    private final long faultMinMs;
    private final long faultMaxMs;

    public NemesisSchedule(List<Nemesis> nemeses, long seed, long quietMinMs, long quietMaxMs, long faultMinMs,
                           long faultMaxMs) {
        if (nemeses.isEmpty()) {
            throw new IllegalArgumentException("no nemesis to run");
        }
        this.nemeses = List.copyOf(nemeses);
        this.pacing = new FaultPacing(seed);
        this.random = pacing.random();
        this.quietMinMs = quietMinMs;
        this.quietMaxMs = quietMaxMs;
        this.faultMinMs = faultMinMs;
        this.faultMaxMs = faultMaxMs;
    }

    /** Runs rounds until {@code durationMs} has passed; leaves the cluster healed (by the faults' own heals). */
    public void run(ChaosCluster cluster, Targets targets, History history, long durationMs) throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(durationMs);
        while (System.nanoTime() < end) {
            pacing.pause(quietMinMs, quietMaxMs);
            List<Active> active = new ArrayList<>();
            try {
                Nemesis first = nemeses.get(random.nextInt(nemeses.size()));
                try {
                    inject(first, cluster, targets, history).ifPresent(active::add);
                } catch (Targets.NoTargetException e) {
                    log.info("nemesis {} skipped: {}", first.kind(), e.getMessage());
                    continue; // every node is down (a heal failed): the final heal tries them again
                }
                List<Nemesis> otherFamily = nemeses.stream()
                        .filter(n -> n.touchesProcesses() != first.touchesProcesses() && !n.playsAlone()).toList();
                if (!first.playsAlone() && !otherFamily.isEmpty() && random.nextInt(4) == 0) {
                    Nemesis second = otherFamily.get(random.nextInt(otherFamily.size()));
                    try {
                        inject(second, cluster, targets, history).ifPresent(active::add);
                    } catch (Targets.NoTargetException e) {
                        log.info("nemesis {} skipped: {}", second.kind(), e.getMessage());
                    }
                }
                pacing.pause(faultMinMs, faultMaxMs);
            } finally {
                for (int i = active.size() - 1; i >= 0; i--) {
                    heal(active.get(i), history);
                }
            }
            for (ChaosCluster.Ready ready : cluster.awaitRelaunched(RESTART_WAIT)) {
                log.info("node {} ready {} ms after it was started again", ready.nodeId(), ready.millisAfterLaunch());
                history.record(HistoryEvent.NEMESIS, Type.NODE_READY, -1, "node" + ready.nodeId(),
                        ready.millisAfterLaunch(), "ready after its restart");
            }
            long inSyncMs = cluster.awaitFullIsr(targets.topic(), RESTART_WAIT);
            if (inSyncMs < 0) {
                log.info("the ISRs of {} are not full {} s after the heal; the next fault comes anyway",
                        targets.topic(), RESTART_WAIT.toSeconds());
            }
        }
    }

    private record Active(Nemesis nemesis, Nemesis.Fault fault) {
    }

    /** Applies a fault; empty when applying it failed half-way (recorded as a crash; the final heal revives). */
    private java.util.Optional<Active> inject(Nemesis nemesis, ChaosCluster cluster, Targets targets, History history)
            throws Exception {
        long startedNanos = history.now(); // a fault can take long to apply (a rolling restart): it began here
        Nemesis.Fault fault;
        try {
            fault = nemesis.inject(cluster, targets, random);
        } catch (Targets.NoTargetException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // a fault that restarts nodes can fail half-way (a node that cannot start again): recorded
            // as a crash; the final heal brings back what it left down
            log.warn("nemesis {} failed while it was applied: {}", nemesis.kind(), e.toString());
            history.append(new HistoryEvent(startedNanos, HistoryEvent.NEMESIS, Type.NEMESIS_START, -1, nemesis.kind(),
                    -1, "failed while applied"));
            history.record(HistoryEvent.NEMESIS, Type.NEMESIS_STOP, -1, nemesis.kind(), -1, "failed while applied");
            history.record(HistoryEvent.NEMESIS, Type.NODE_LOG, -1, "", -1, "applying " + nemesis.kind() + " failed: " + e);
            return java.util.Optional.empty();
        }
        log.info("nemesis {}: {}", nemesis.kind(), fault.description());
        history.append(new HistoryEvent(startedNanos, HistoryEvent.NEMESIS, Type.NEMESIS_START, -1, nemesis.kind(), -1,
                fault.description()));
        return java.util.Optional.of(new Active(nemesis, fault));
    }

    /**
     * Heals a fault. A heal that fails (a node that cannot start again) does not end the run: it is
     * recorded as a NODE_LOG event, which the checker counts as a crash, and the final heal tries again.
     */
    private static void heal(Active active, History history) throws InterruptedException {
        String kind = active.nemesis().kind();
        try {
            active.fault().heal();
            log.info("healed {}: {}", kind, active.fault().description());
            history.record(HistoryEvent.NEMESIS, Type.NEMESIS_STOP, -1, kind, -1, active.fault().description());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            log.warn("healing {} ({}) failed: {}", kind, active.fault().description(), e.toString());
            history.record(HistoryEvent.NEMESIS, Type.NEMESIS_STOP, -1, kind, -1,
                    active.fault().description() + "; heal failed");
            history.record(HistoryEvent.NEMESIS, Type.NODE_LOG, -1, "", -1, "healing " + kind + " ("
                    + active.fault().description() + ") failed: " + e);
        }
    }
}
