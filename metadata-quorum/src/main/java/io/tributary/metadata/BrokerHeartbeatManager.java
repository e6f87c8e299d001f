package io.tributary.metadata;

import io.tributary.proto.metadata.v1.FenceBrokerCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Broker leases, held in memory by the active controller only (as KRaft does); pure: time is
 * passed in, never read. Not thread-safe.
 *
 * <table>
 *   <caption>transitions</caption>
 *   <tr><th>call</th><th>effect</th></tr>
 *   <tr><td>{@link #activate}</td><td>this node became the active controller: forget every lease and
 *       treat each registered broker as seen now (a grace of one session timeout)</td></tr>
 *   <tr><td>{@link #touch}</td><td>a heartbeat from (broker, epoch) at nowMs renews its lease (and says
 *       whether it is the broker's first since the activation)</td></tr>
 *   <tr><td>{@link #expired}</td><td>unfenced brokers whose last heartbeat for their current epoch is
 *       more than the session timeout old</td></tr>
 * </table>
 */
public final class BrokerHeartbeatManager {
    private record Lease(long brokerEpoch, long lastSeenMs) {
    }

    private final long sessionTimeoutMs;
    private final Map<Integer, Lease> leases = new HashMap<>();
    private long activatedAtMs;

    public BrokerHeartbeatManager(long sessionTimeoutMs) {
        if (sessionTimeoutMs < 1) {
            throw new IllegalArgumentException("session timeout must be >= 1 ms, got " + sessionTimeoutMs);
        }
        this.sessionTimeoutMs = sessionTimeoutMs;
    }

    public long sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    /** Starts afresh as the active controller at {@code nowMs}: every broker gets a full session. */
    public void activate(long nowMs) {
        leases.clear();
        activatedAtMs = nowMs;
    }

    /**
     * The active controller did not run for {@code pausedMs} (its own pause): no heartbeat could be
     * handled meanwhile, so every lease (and the activation grace) moves on by that much. Only the
     * pause is forgiven: a broker silent before it and after it is still fenced once a session of
     * running time has passed, however often the controller pauses.
     */
    public void forgivePause(long pausedMs) {
        activatedAtMs += pausedMs;
        leases.replaceAll((id, lease) -> new Lease(lease.brokerEpoch(), lease.lastSeenMs() + pausedMs));
    }

    /**
     * Renews the lease of {@code brokerId} at {@code brokerEpoch}; returns how long after this
     * controller's activation the broker's first heartbeat arrived, or -1 if it was not the first.
     */
    public long touch(int brokerId, long brokerEpoch, long nowMs) {
        Lease previous = leases.put(brokerId, new Lease(brokerEpoch, nowMs));
        return previous == null ? nowMs - activatedAtMs : -1;
    }

    /** When {@code brokerId} at {@code brokerEpoch} was last seen (or the activation time). */
    public long lastSeenMs(int brokerId, long brokerEpoch) {
        Lease lease = leases.get(brokerId);
        return lease != null && lease.brokerEpoch() == brokerEpoch ? Math.max(lease.lastSeenMs(), activatedAtMs)
                : activatedAtMs;
    }

    /** Unfenced registered brokers of {@code image} whose lease expired at {@code nowMs}, by id. */
    public List<BrokerRegistration> expired(MetadataImage image, long nowMs) {
        List<BrokerRegistration> expired = new ArrayList<>();
        for (BrokerRegistration b : image.brokers().values()) {
            if (!b.fenced() && nowMs - lastSeenMs(b.brokerId(), b.brokerEpoch()) > sessionTimeoutMs) {
                expired.add(b);
            }
        }
        return expired;
    }

    /** The commands fencing every broker whose lease expired. */
    public List<MetadataCommand> fenceCommands(MetadataImage image, long nowMs) {
        List<MetadataCommand> commands = new ArrayList<>();
        for (BrokerRegistration b : expired(image, nowMs)) {
            commands.add(MetadataCommand.newBuilder().setFenceBroker(FenceBrokerCommand.newBuilder()
                    .setBrokerId(b.brokerId()).setBrokerEpoch(b.brokerEpoch())).build());
        }
        return commands;
    }

    /** Forgets brokers that are no longer registered (bounded memory). */
    public void retainRegistered(MetadataImage image) {
        leases.keySet().retainAll(image.brokers().keySet());
    }
}
