package io.tributary.metadata;

import io.tributary.proto.metadata.v1.ElectLeaderlessCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import java.util.List;
import java.util.Optional;

/**
 * What the active controller does on its own, one tick at a time; pure. The driver asks for the
 * next command, submits it, waits until it is applied, and asks again on the new image until the
 * tick is done. {@code MetadataQuorum} drives it on its controller thread; the controller
 * simulation drives the same class on a fake clock.
 *
 * <pre>
 * within one tick                                     next command
 * a broker's lease expired (at most brokers+1 times)  FenceBroker of the first, decided on the image
 *                                                       the previous fence made, so fences never conflict
 * a partition is leaderless although a replica could  ElectLeaderless, once per tick
 *   lead (the scan is skipped while the image is one
 *   a scan found clean)
 * otherwise                                           none: the tick is done
 * </pre>
 *
 * <p>A tick that begins long after the previous one ended (more than half a session) means the
 * controller itself did not run: its process or machine paused (a GC pause, SIGSTOP, a stalled
 * VM). Brokers' heartbeats could not be handled meanwhile, so their leases look expired although
 * the brokers are fine: the pause is added to every lease instead (only the pause: a broker silent
 * around it is still fenced after a session of the controller's running time, however often the
 * controller pauses).
 */
public final class ControllerTick {
    private final BrokerHeartbeatManager leases;
    /** Image version at which the last leaderless scan found nothing to elect. */
    private long leaderlessScanClean = -1;
    private int fencesThisTick;
    private boolean electedThisTick;
    private long lastTickEndMs = Long.MIN_VALUE;

    public ControllerTick(BrokerHeartbeatManager leases) {
        this.leases = leases;
    }

    /**
     * Starts a tick at {@code nowMs}; returns how long the controller did not run when that was
     * long enough to count as its own pause (0 otherwise), which the leases then forgive.
     */
    public long begin(long nowMs) {
        fencesThisTick = 0;
        electedThisTick = false;
        long idleMs = lastTickEndMs == Long.MIN_VALUE ? 0 : nowMs - lastTickEndMs;
        if (idleMs > leases.sessionTimeoutMs() / 2) {
            leases.forgivePause(idleMs);
            return idleMs;
        }
        return 0;
    }

    /** Ends a tick (whether it finished or failed) at {@code nowMs}. */
    public void end(long nowMs) {
        lastTickEndMs = nowMs;
    }

    /** The next command of this tick on {@code image} at {@code nowMs}, or empty when the tick is done. */
    public Optional<MetadataCommand> nextCommand(MetadataImage image, long nowMs) {
        leases.retainRegistered(image);
        if (fencesThisTick <= image.brokers().size()) {
            List<MetadataCommand> fences = leases.fenceCommands(image, nowMs);
            if (!fences.isEmpty()) {
                fencesThisTick++;
                return Optional.of(fences.get(0));
            }
        }
        if (electedThisTick || image.version() == leaderlessScanClean) {
            return Optional.empty();
        }
        if (TopicControlManager.generateElectLeaderless(image).records().isEmpty()) {
            leaderlessScanClean = image.version();
            return Optional.empty();
        }
        electedThisTick = true;
        return Optional.of(MetadataCommand.newBuilder()
                .setElectLeaderless(ElectLeaderlessCommand.getDefaultInstance()).build());
    }
}
