package io.tributary.replication.sim;

import io.tributary.proto.v1.ErrorCode;
import io.tributary.replication.AckDecision;
import io.tributary.replication.EpochEndOffset;
import io.tributary.replication.FollowerFetchResult;
import io.tributary.replication.FollowerTruncation;
import io.tributary.replication.IsrChangeProposal;
import io.tributary.replication.PartitionLeaderState;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * One partition of a {@link ReplicationSimulation}: its replicas (one per simulated node), acks=all
 * producers, follower fetches and epoch queries over the lossy network, a tiny fake controller for
 * its leader and ISR, and the checker of its invariants. Node crashes, restarts and power loss come
 * from the simulation and hit every partition's replica on that node at once.
 */
final class SimPartition {
    static final long LAG_MS = 300;
    static final long FAULT_PHASE_MS = ReplicationSimulation.FAULT_PHASE_MS;
    static final long LIVENESS_PHASE_MS = ReplicationSimulation.LIVENESS_PHASE_MS;

    private final ReplicationSimulation world;
    private final int partition;
    private final Random random;
    private final List<SimReplica> replicas = new ArrayList<>();
    private final int replicaCount;
    private final int minIsr;
    private long nextRequestId;
    private int produced;
    private final double dropRate;
    private final double duplicateRate;
    private final int maxDelayMs;

    // fake controller
    private int leaderId = -1;
    private int leaderEpoch;
    private int partitionEpoch;
    private Set<Integer> isr = new TreeSet<>();

    // history for the checker
    private final Map<Long, String> acked = new HashMap<>();
    private final Map<Long, String> newlyAcked = new HashMap<>();
    private Set<Integer> checkedIsr = Set.of();
    private final Map<Long, String> committed = new HashMap<>();
    private final Map<String, Long> leaderHwByEpoch = new HashMap<>();

    /** A partition on nodes 1..replicaCount with min.insync.replicas {@code minIsr}; network faults drawn from the world's random. */
    SimPartition(ReplicationSimulation world, int partition, int replicaCount, int minIsr) {
        this.world = world;
        this.partition = partition;
        this.random = world.random;
        this.replicaCount = replicaCount;
        this.minIsr = minIsr;
        this.dropRate = random.nextDouble() * 0.2;
        this.duplicateRate = random.nextDouble() * 0.1;
        this.maxDelayMs = 1 + random.nextInt(30);
        for (int i = 1; i <= replicaCount; i++) {
            replicas.add(new SimReplica(i));
            isr.add(i);
        }
    }

    /** Brings every replica up and elects the first leader; producing starts. */
    void start() {
        for (SimReplica r : replicas) {
            r.restart();
        }
        electLeader();
        schedule(1, this::produceTick);
    }

    /** The fault phase ended: restart what is down (the nodes restart every partition). */
    void heal() {
        for (SimReplica r : replicas) {
            if (r.role == SimReplica.Role.OFFLINE) {
                restart(r);
            }
        }
    }

    /** The controller's own leadership moves, now and then during the fault phase. */
    void maybeMoveLeadership() {
        if (random.nextDouble() < 0.002 && leaderId != -1) {
            moveLeadership();
        }
    }

    void crashNode(int nodeId) {
        if (nodeId <= replicaCount && replica(nodeId).role != SimReplica.Role.OFFLINE) {
            crash(replica(nodeId));
        }
    }

    void restartNode(int nodeId) {
        if (nodeId <= replicaCount && replica(nodeId).role == SimReplica.Role.OFFLINE) {
            restart(replica(nodeId));
        }
    }

    private void schedule(long delayMs, Runnable action) {
        world.schedule(delayMs, action);
    }

    private void log(String s) {
        world.log("p" + partition + " " + s);
    }

    private void fail(String message) {
        world.fail("partition " + partition + ": " + message);
    }

    SimReplica replica(int id) {
        return replicas.get(id - 1);
    }

    int ackedCount() {
        return acked.size();
    }

    int producedCount() {
        return produced;
    }




    // ---- faults and the fake controller ----


    private void crash(SimReplica r) {
        log("crash " + r.id + " durable=" + r.durable + " leo=" + r.logEndOffset());
        r.crash();
        if (r.id == leaderId) {
            electLeader();
        }
    }

    private void restart(SimReplica r) {
        r.restart();
        log("restart " + r.id + " leo=" + r.logEndOffset() + " hw=" + r.hw);
        if (leaderId == -1) {
            electLeader();
        } else {
            notify(r, leaderEpoch, leaderId, 0);
        }
    }

    /** Clean election: only from the live ISR; the ISR itself is kept (the new leader shrinks it). */
    private void electLeader() {
        List<Integer> candidates = new ArrayList<>();
        for (int id : isr) {
            if (replica(id).role != SimReplica.Role.OFFLINE && id != leaderId) {
                candidates.add(id);
            }
        }
        if (candidates.isEmpty()) {
            if (leaderId != -1 && replica(leaderId).role == SimReplica.Role.OFFLINE) {
                leaderId = -1;
            }
            log("no live ISR member to elect, isr=" + isr);
            return;
        }
        changeLeader(candidates.get(random.nextInt(candidates.size())));
    }

    private void moveLeadership() {
        electLeader();
    }

    private void changeLeader(int newLeader) {
        leaderId = newLeader;
        leaderEpoch++;
        partitionEpoch++;
        log("controller: leader " + newLeader + " epoch " + leaderEpoch + " isr " + isr);
        for (SimReplica r : replicas) {
            if (r.role != SimReplica.Role.OFFLINE) {
                notify(r, leaderEpoch, leaderId, r.id == newLeader ? 0 : random.nextInt(20));
            }
        }
    }

    /** LeaderAndIsr: delivered reliably but possibly late (a zombie leader may linger). */
    private void notify(SimReplica r, int epoch, int leader, long delayMs) {
        int incarnation = r.incarnation;
        int pEpoch = partitionEpoch;
        Set<Integer> isrNow = Set.copyOf(isr);
        schedule(delayMs, () -> {
            if (r.incarnation != incarnation || r.role == SimReplica.Role.OFFLINE || epoch <= r.knownEpoch) {
                return;
            }
            r.knownEpoch = epoch;
            r.leaderId = leader;
            failPendingAcks(r);
            r.leaderState = null;
            if (leader == r.id) {
                becomeLeader(r, isrNow, pEpoch);
            } else {
                becomeFollower(r);
            }
        });
    }

    private void handleAlterPartition(IsrChangeProposal p) {
        if (p.leaderId() != leaderId || p.leaderEpoch() != leaderEpoch || p.partitionEpoch() != partitionEpoch) {
            SimReplica r = replica(p.leaderId());
            schedule(1 + random.nextInt(maxDelayMs), () -> {
                if (r.leaderState != null && r.knownEpoch == p.leaderEpoch()) {
                    r.leaderState.abandonPendingIsrChange();
                }
            });
            return;
        }
        isr = new TreeSet<>(p.newIsr());
        partitionEpoch++;
        int newPartitionEpoch = partitionEpoch;
        log("controller: isr " + isr + " partitionEpoch " + partitionEpoch);
        SimReplica r = replica(p.leaderId());
        int incarnation = r.incarnation;
        schedule(1 + random.nextInt(maxDelayMs), () -> {
            if (r.incarnation == incarnation && r.leaderState != null && r.knownEpoch == p.leaderEpoch()) {
                r.leaderState.applyIsr(p.newIsr(), newPartitionEpoch);
                afterLeaderProgress(r);
            }
        });
    }

    // ---- leader side ----

    private void becomeLeader(SimReplica r, Set<Integer> isrNow, int pEpoch) {
        r.flush(); // persist before changing role (STYLE 6)
        r.role = SimReplica.Role.LEADER;
        r.cache.assign(r.knownEpoch, r.logEndOffset());
        Set<Integer> all = new TreeSet<>();
        replicas.forEach(replica -> all.add(replica.id));
        r.leaderState = new PartitionLeaderState(r.id, all, isrNow, r.knownEpoch, pEpoch, minIsr, LAG_MS,
                r.logEndOffset(), r.hw, world.nowMs);
        log("leader " + r.id + " epoch " + r.knownEpoch + " leo " + r.logEndOffset() + " hw " + r.hw);
        int epoch = r.knownEpoch;
        int incarnation = r.incarnation;
        schedule(LAG_MS / 3, () -> isrTick(r, epoch, incarnation));
    }

    private void isrTick(SimReplica r, int epoch, int incarnation) {
        if (r.incarnation != incarnation || r.leaderState == null || r.knownEpoch != epoch) {
            return;
        }
        r.leaderState.isrChangeToPropose(world.nowMs).ifPresent(p -> {
            log("leader " + r.id + " proposes isr " + p.newIsr());
            schedule(1 + random.nextInt(maxDelayMs), () -> handleAlterPartition(p));
        });
        schedule(LAG_MS / 3, () -> isrTick(r, epoch, incarnation));
    }

    private void produceTick() {
        if (world.faults || world.nowMs < FAULT_PHASE_MS + LIVENESS_PHASE_MS / 2) {
            SimReplica r = leaderId == -1 ? null : replica(leaderId);
            if (r != null && r.leaderState != null) {
                int n = 1 + random.nextInt(3);
                if (r.leaderState.checkEnoughReplicasForAppend() == ErrorCode.NONE) {
                    for (int i = 0; i < n; i++) {
                        String value = "p" + partition + "-v" + (produced++);
                        r.append(r.knownEpoch, value);
                        r.pendingAcks.add(new long[] {r.logEndOffset() - 1});
                    }
                    scheduleLeaderFlush(r);
                }
            }
            schedule(1 + random.nextInt(10), this::produceTick);
        }
    }

    private void scheduleLeaderFlush(SimReplica r) {
        if (r.flushScheduled) {
            return;
        }
        r.flushScheduled = true;
        int incarnation = r.incarnation;
        schedule(1 + random.nextInt(5), () -> {
            if (r.incarnation != incarnation) {
                return;
            }
            r.flushScheduled = false;
            r.flush();
            if (r.leaderState != null) {
                r.leaderState.onAppend(r.durable);
                afterLeaderProgress(r);
            }
        });
    }

    private void afterLeaderProgress(SimReplica r) {
        PartitionLeaderState s = r.leaderState;
        String key = r.id + "@" + s.leaderEpoch();
        Long previous = leaderHwByEpoch.get(key);
        if (previous != null && s.highWatermark() < previous) {
            fail("leader " + key + " HW went back from " + previous + " to " + s.highWatermark());
        }
        leaderHwByEpoch.put(key, s.highWatermark());
        r.hw = Math.max(r.hw, s.highWatermark());
        r.pendingAcks.removeIf(p -> {
            AckDecision d = s.canAcknowledge(p[0] + 1);
            if (d.kind() == AckDecision.Kind.ACKNOWLEDGE) {
                acked.put(p[0], r.log.get((int) p[0]).value());
                newlyAcked.put(p[0], r.log.get((int) p[0]).value());
            }
            return d.kind() != AckDecision.Kind.WAIT;
        });
    }

    private void failPendingAcks(SimReplica r) {
        r.pendingAcks.clear(); // the producer sees an indefinite error
    }

    private void handleFetch(SimReplica leader, int from, long requestId, int epoch, long fetchOffset) {
        if (leader.leaderState == null) {
            respond(leader, from, requestId, epoch, fetchOffset, ErrorCode.NOT_LEADER_OR_FOLLOWER, List.of(), 0);
            return;
        }
        if (fetchOffset > leader.logEndOffset()) { // the driver's range check (the pure state knows only durable data)
            respond(leader, from, requestId, epoch, fetchOffset, ErrorCode.OFFSET_OUT_OF_RANGE, List.of(), 0);
            return;
        }
        FollowerFetchResult result = leader.leaderState.onFollowerFetch(world.nowMs, from, fetchOffset, epoch);
        if (result.error() != ErrorCode.NONE) {
            respond(leader, from, requestId, epoch, fetchOffset, result.error(), List.of(), 0);
            return;
        }
        afterLeaderProgress(leader);
        int end = (int) Math.min(leader.logEndOffset(), fetchOffset + 1 + random.nextInt(5));
        List<SimReplica.Entry> entries = List.copyOf(leader.log.subList((int) fetchOffset, end));
        respond(leader, from, requestId, epoch, fetchOffset, ErrorCode.NONE, entries, leader.leaderState.highWatermark());
    }

    private void respond(SimReplica leader, int to, long requestId, int epoch, long fetchOffset, ErrorCode error,
                         List<SimReplica.Entry> entries, long hw) {
        send(replica(to), () -> handleFetchResponse(replica(to), requestId, epoch, fetchOffset, error, entries, hw));
    }

    // ---- follower side ----

    private void becomeFollower(SimReplica r) {
        r.role = SimReplica.Role.TRUNCATING;
        sendEpochQuery(r);
    }

    private void sendEpochQuery(SimReplica r) {
        long requestId = ++nextRequestId;
        r.outstandingRequest = requestId;
        r.queriedEpoch = FollowerTruncation.epochToQuery(r.cache);
        int queried = r.queriedEpoch;
        int epoch = r.knownEpoch;
        SimReplica leader = replica(r.leaderId);
        send(leader, () -> {
            if (leader.leaderState == null || leader.knownEpoch != epoch) {
                return; // dropped: the follower retries on timeout
            }
            EpochEndOffset answer = leader.cache.endOffsetFor(queried, leader.logEndOffset());
            send(r, () -> handleEpochResponse(r, requestId, answer));
        });
        armTimeout(r, requestId);
    }

    private void handleEpochResponse(SimReplica r, long requestId, EpochEndOffset answer) {
        if (r.role != SimReplica.Role.TRUNCATING || r.outstandingRequest != requestId) {
            return;
        }
        FollowerTruncation.Decision d;
        try {
            d = FollowerTruncation.decide(r.cache, r.logEndOffset(), r.hw, answer);
        } catch (IllegalStateException e) {
            fail("replica " + r.id + ": " + e.getMessage());
            return;
        }
        if (d.truncateToOffset() < r.logEndOffset()) {
            log("replica " + r.id + " truncates " + r.logEndOffset() + " -> " + d.truncateToOffset() + " answer " + answer);
        }
        r.truncateTo(d.truncateToOffset());
        if (d.completed()) {
            r.role = SimReplica.Role.FETCHING;
            sendFetch(r);
        } else {
            sendEpochQuery(r);
        }
    }

    private void sendFetch(SimReplica r) {
        // The fetch offset tells the leader what this follower holds durably: fsync anything appended
        // but not yet synced first (a fetch after a role change or a retry may follow an append whose
        // own fsync was skipped).
        if (r.durable < r.logEndOffset()) {
            r.flush();
        }
        long requestId = ++nextRequestId;
        r.outstandingRequest = requestId;
        int epoch = r.knownEpoch;
        long fetchOffset = r.logEndOffset();
        SimReplica leader = replica(r.leaderId);
        int from = r.id;
        send(leader, () -> handleFetch(leader, from, requestId, epoch, fetchOffset));
        armTimeout(r, requestId);
    }

    private void armTimeout(SimReplica r, long requestId) {
        schedule(50 + random.nextInt(50), () -> {
            if (r.outstandingRequest != requestId) {
                return;
            }
            if (r.role == SimReplica.Role.TRUNCATING) {
                sendEpochQuery(r);
            } else if (r.role == SimReplica.Role.FETCHING) {
                sendFetch(r);
            }
        });
    }

    private void handleFetchResponse(SimReplica r, long requestId, int epoch, long fetchOffset, ErrorCode error,
                                     List<SimReplica.Entry> entries, long leaderHw) {
        if (r.role != SimReplica.Role.FETCHING || r.outstandingRequest != requestId || r.knownEpoch != epoch) {
            return;
        }
        r.outstandingRequest = -1;
        if (error != ErrorCode.NONE || fetchOffset != r.logEndOffset()) {
            int incarnation = r.incarnation;
            schedule(10, () -> {
                if (r.incarnation == incarnation && r.role == SimReplica.Role.FETCHING && r.outstandingRequest == -1) {
                    sendFetch(r);
                }
            });
            return;
        }
        for (SimReplica.Entry e : entries) {
            r.append(e.epoch(), e.value());
        }
        int incarnation = r.incarnation;
        // the follower fsyncs before it reports the new end offset with its next fetch
        schedule(entries.isEmpty() ? 10 : 1 + random.nextInt(3), () -> {
            if (r.incarnation != incarnation || r.role != SimReplica.Role.FETCHING || r.knownEpoch != epoch) {
                return;
            }
            r.flush();
            r.hw = Math.max(r.hw, Math.min(leaderHw, r.durable));
            r.flush();
            sendFetch(r);
        });
    }

    // ---- network ----

    private void send(SimReplica to, Runnable deliver) {
        if (world.faults && random.nextDouble() < dropRate) {
            return;
        }
        int copies = world.faults && random.nextDouble() < duplicateRate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            schedule(1 + random.nextInt(world.faults ? maxDelayMs : 3), () -> {
                if (to.role != SimReplica.Role.OFFLINE) {
                    deliver.run();
                }
            });
        }
    }

    // ---- checker ----

    void checkInvariants() {
        for (SimReplica r : replicas) {
            if (r.hwCheckpoint > r.durable) {
                fail("replica " + r.id + " checkpointed HW " + r.hwCheckpoint + " beyond durable " + r.durable);
            }
            long hw = r.role == SimReplica.Role.OFFLINE ? r.hwCheckpoint : r.hw;
            if (hw > r.logEndOffset()) {
                fail("replica " + r.id + " HW " + hw + " beyond log end " + r.logEndOffset());
            }
            for (long o = r.verifiedUpTo; o < hw; o++) {
                String v = r.log.get((int) o).value();
                String prev = committed.putIfAbsent(o, v);
                if (prev != null && !prev.equals(v)) {
                    fail("offset " + o + " committed as " + prev + " but replica " + r.id + " holds " + v);
                }
            }
            r.verifiedUpTo = Math.max(r.verifiedUpTo, hw);
        }
        boolean full = !isr.equals(checkedIsr);
        for (SimReplica r : replicas) {
            full |= r.shrank;
            r.shrank = false;
        }
        checkedIsr = Set.copyOf(isr);
        Map<Long, String> toCheck = full ? acked : newlyAcked;
        for (Map.Entry<Long, String> a : toCheck.entrySet()) {
            long o = a.getKey();
            String c = committed.get(o);
            if (c != null && !c.equals(a.getValue())) {
                fail("acknowledged " + a.getValue() + " at " + o + " but committed " + c);
            }
            for (int id : isr) {
                SimReplica r = replica(id);
                if (r.durable <= o || !r.log.get((int) o).value().equals(a.getValue())) {
                    fail("acknowledged " + a.getValue() + " at " + o + " missing from ISR member " + id
                            + " (durable " + r.durable + ")");
                }
            }
        }
        newlyAcked.clear();
    }

    void checkConverged() {
        if (leaderId == -1) {
            fail("no leader after healing");
        }
        SimReplica leader = replica(leaderId);
        if (leader.leaderState == null) {
            fail("leader " + leaderId + " not leading after healing");
        }
        for (SimReplica r : replicas) {
            if (!r.log.equals(leader.log)) {
                fail("replica " + r.id + " did not converge: leo " + r.logEndOffset() + " vs leader " + leader.logEndOffset());
            }
        }
        if (leader.leaderState.highWatermark() != leader.logEndOffset()) {
            fail("leader HW " + leader.leaderState.highWatermark() + " did not reach leo " + leader.logEndOffset());
        }
        if (isr.size() != replicaCount) {
            fail("ISR did not expand back: " + isr);
        }
    }

}
