package io.tributary.replication.sim;

import io.tributary.replication.FollowerLagLimits;

import io.tributary.proto.v1.ErrorCode;
import io.tributary.replication.AckDecision;
import io.tributary.replication.DeleteRecordsResult;
import io.tributary.replication.EpochEndOffset;
import io.tributary.replication.FetchErrorAction;
import io.tributary.replication.FollowerFetchResult;
import io.tributary.replication.FollowerTruncation;
import io.tributary.replication.IsrChangeProposal;
import io.tributary.replication.IsrProposalFate;
import io.tributary.replication.Replica;
import io.tributary.replication.TruncationBelowHighWatermarkException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * One partition of a {@link ReplicationSimulation}, driving the production {@link Replica} of each
 * node the way the broker's {@code Partition}, {@code ReplicaFetcher} and {@code IsrChangeSender}
 * do, over a lossy simulated network: acks=all producers, follower epoch queries and fetches,
 * ISR proposals whose answers may be lost (then resent), and a small controller that fences a
 * crashed broker after a session delay (taking it out of the ISR and electing from the live ISR),
 * unfences it when it restarts, and publishes every registration to every node late. The checker
 * of the partition's invariants runs after every event.
 */
final class SimPartition {
    static final long LAG_MS = 300;
    /** A follower silent this long leaves the ISR sooner than a slow one (the broker uses its session). */
    static final long SILENT_MS = 200;
    static final long ISR_TICK_MS = LAG_MS / 3;
    static final long ISR_RESEND_MS = 100;
    static final long CHECKPOINT_INTERVAL_MS = 100;
    static final long FETCH_BACKOFF_MS = 10;
    static final long LIVENESS_PHASE_MS = ReplicationSimulation.LIVENESS_PHASE_MS;
    static final long FAULT_PHASE_MS = ReplicationSimulation.FAULT_PHASE_MS;

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
    private final SimController controller;

    // history for the checker
    private final Map<Long, String> acked = new HashMap<>();
    private final Map<Long, String> newlyAcked = new HashMap<>();
    private Set<Integer> checkedIsr = Set.of();
    private final Map<Long, String> committed = new HashMap<>();
    private final Map<String, Long> leaderHwByEpoch = new HashMap<>();
    /** The highest log start offset a DeleteRecords answer gave: no replica may start past it. */
    private long highestRequestedStart;

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
        List<Integer> ids = new ArrayList<>();
        for (int i = 1; i <= replicaCount; i++) {
            replicas.add(new SimReplica(i, new FollowerLagLimits(LAG_MS, SILENT_MS)));
            ids.add(i);
        }
        this.controller = new SimController(ids, random, this::log, this::publish);
    }

    /** Brings every replica up and elects the first leader; producing starts. */
    void start() {
        for (SimReplica r : replicas) {
            startReplica(r);
            r.registered = true;
        }
        controller.electLeader(id -> replica(id).isUp());
        schedule(1, this::produceTick);
        schedule(1, this::deleteRecordsTick);
    }

    /** The fault phase ended: restart what is down (the nodes restart every partition). */
    void heal() {
        for (SimReplica r : replicas) {
            if (!r.isUp()) {
                restart(r);
            }
        }
    }

    /** The controller's own leadership moves, now and then during the fault phase. */
    void maybeMoveLeadership() {
        if (random.nextDouble() < 0.002) {
            controller.electLeader(id -> replica(id).isUp());
        }
    }

    void crashNode(int nodeId) {
        if (nodeId <= replicaCount && replica(nodeId).isUp()) {
            crash(replica(nodeId));
        }
    }

    void restartNode(int nodeId) {
        if (nodeId <= replicaCount && !replica(nodeId).isUp()) {
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

    // ---- node lifecycle and the controller's view of it ----

    private void crash(SimReplica r) {
        log("crash " + r.id + " durable=" + r.durable + " leo=" + r.logEndOffset());
        r.crash(random);
        int incarnation = r.incarnation;
        // the controller fences the broker when its session expires
        schedule(20 + random.nextInt(130), () -> {
            if (r.incarnation == incarnation && !r.isUp()) {
                controller.fence(r.id, id -> true);
            }
        });
    }

    private void restart(SimReplica r) {
        startReplica(r);
        log("restart " + r.id + " leo=" + r.logEndOffset() + " hw=" + r.highWatermark());
        int incarnation = r.incarnation;
        // it registers (the controller moves the old incarnation's leadership and ISR membership away
        // and fences it), follows the metadata, and is unfenced once caught up
        schedule(1 + random.nextInt(10), () -> {
            if (r.incarnation != incarnation || !r.isUp()) {
                return;
            }
            controller.fence(r.id, id -> true);
            r.registered = true;
            deliverMetadata(r, incarnation);
            schedule(1 + random.nextInt(20), () -> {
                if (r.incarnation == incarnation && r.isUp()) {
                    controller.unfence(r.id, id -> true);
                }
            });
        });
    }

    private void startReplica(SimReplica r) {
        r.restart();
        int incarnation = r.incarnation;
        schedule(CHECKPOINT_INTERVAL_MS, () -> checkpointTick(r, incarnation));
    }

    private void checkpointTick(SimReplica r, int incarnation) {
        if (r.incarnation != incarnation || !r.isUp()) {
            return;
        }
        r.checkpointHighWatermark();
        schedule(CHECKPOINT_INTERVAL_MS, () -> checkpointTick(r, incarnation));
    }

    /** A new registration: every live node hears of it late (the new leader possibly last). */
    private void publish() {
        for (SimReplica r : replicas) {
            if (r.isUp()) {
                int incarnation = r.incarnation;
                schedule(random.nextInt(20), () -> deliverMetadata(r, incarnation));
            }
        }
    }

    /** The node's metadata image caught up: its replica acts on the partition's current registration. */
    private void deliverMetadata(SimReplica r, int incarnation) {
        if (r.incarnation != incarnation || !r.isUp() || !r.registered) {
            return; // a restarted broker acts on metadata once it has registered
        }
        Replica.Transition t = r.replica.applyLeaderAndIsr(world.nowMs, controller.registration(), minIsr, false);
        if (t.lostLeadership()) {
            r.pendingAcks.clear(); // the producer sees an indefinite error
        }
        switch (t.change()) {
            case BECAME_LEADER -> {
                r.role = SimReplica.Role.LEADER;
                log("leader " + r.id + " epoch " + r.replica.leaderEpoch() + " leo " + r.logEndOffset()
                        + " hw " + r.highWatermark());
                int epoch = r.replica.leaderEpoch();
                schedule(ISR_TICK_MS, () -> isrTick(r, epoch, incarnation));
                afterLeaderProgress(r);
            }
            case BECAME_FOLLOWER -> {
                r.role = SimReplica.Role.TRUNCATING;
                sendEpochQuery(r);
            }
            case NO_LEADER -> r.role = SimReplica.Role.NONE;
            case ISR_CHANGED -> afterLeaderProgress(r);
            case NONE -> {
            }
        }
    }

    // ---- leader side ----

    private void isrTick(SimReplica r, int epoch, int incarnation) {
        if (r.incarnation != incarnation || !r.isUp() || !r.replica.isLeader() || r.replica.leaderEpoch() != epoch) {
            return;
        }
        r.replica.isrChangeToPropose(world.nowMs).ifPresent(p -> {
            log("leader " + r.id + " proposes isr " + p.newIsr());
            sendAlterPartition(r, p, incarnation);
        });
        schedule(ISR_TICK_MS, () -> isrTick(r, epoch, incarnation));
    }

    /** AlterPartition to the controller; the request or its answer may be lost (then resent, as IsrChangeSender does). */
    private void sendAlterPartition(SimReplica r, IsrChangeProposal p, int incarnation) {
        boolean requestLost = world.faults && random.nextDouble() < dropRate;
        boolean answerLost = world.faults && random.nextDouble() < dropRate;
        schedule(1 + random.nextInt(maxDelayMs), () -> {
            ErrorCode answer = requestLost ? null : controller.alterPartition(p);
            schedule(1 + random.nextInt(maxDelayMs), () -> {
                if (r.incarnation != incarnation || !r.isUp()) {
                    return;
                }
                IsrProposalFate fate = answer == null || answerLost ? IsrProposalFate.withoutAnswer()
                        : IsrProposalFate.afterAnswer(answer);
                switch (fate) {
                    case ABANDON -> r.replica.abandonIsrChange(p);
                    case RESEND -> schedule(ISR_RESEND_MS, () -> {
                        if (r.incarnation == incarnation && r.isUp() && r.replica.hasPendingIsrChange(p)) {
                            sendAlterPartition(r, p, incarnation);
                        }
                    });
                    case AWAIT_METADATA -> {
                    }
                }
            });
        });
    }

    private void produceTick() {
        if (world.faults || world.nowMs < FAULT_PHASE_MS + LIVENESS_PHASE_MS / 2) {
            SimReplica r = currentLeader();
            if (r != null && r.isUp() && r.replica.isLeader()
                    && r.replica.checkEnoughReplicasForAppend() == ErrorCode.NONE) {
                int n = 1 + random.nextInt(3);
                List<String> values = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    values.add("p" + partition + "-v" + (produced++));
                }
                r.appendBatch(r.replica.leaderEpoch(), values);
                r.replica.onLeaderAppend();
                r.pendingAcks.add(r.logEndOffset() - 1);
                scheduleLeaderFlush(r);
            }
            schedule(1 + random.nextInt(10), this::produceTick);
        }
    }

    /**
     * Now and then a client asks a node it takes for the leader (the current leader mostly, any
     * live node sometimes) to delete the records below a random offset, up to a little past the high
     * watermark or -1 (DeleteRecords, or retention). Followers follow the leader's start through
     * fetches.
     */
    private void deleteRecordsTick() {
        if (world.faults || world.nowMs < FAULT_PHASE_MS + LIVENESS_PHASE_MS / 2) {
            SimReplica r = random.nextDouble() < 0.8 ? currentLeader() : replica(1 + random.nextInt(replicaCount));
            if (r != null && r.isUp() && random.nextDouble() < 0.3) {
                long start = r.logStartOffset();
                long offset = random.nextDouble() < 0.1 ? DeleteRecordsResult.TO_HIGH_WATERMARK
                        : start + (long) (random.nextDouble() * (r.highWatermark() - start + 5));
                DeleteRecordsResult result = r.replica.deleteRecords(offset);
                if (result.error() == ErrorCode.NONE) {
                    highestRequestedStart = Math.max(highestRequestedStart, result.logStartOffset());
                    if (result.logStartOffset() > start) {
                        log("node " + r.id + " deletes records below " + result.logStartOffset());
                    }
                } else if (r.logStartOffset() != start) {
                    fail("DeleteRecords(" + offset + ") on node " + r.id + " was refused (" + result.error()
                            + ") but moved its start from " + start + " to " + r.logStartOffset());
                }
            }
            schedule(20 + random.nextInt(200), this::deleteRecordsTick);
        }
    }

    /** The replica the controller names leader, or null when there is none. */
    private SimReplica currentLeader() {
        int leaderId = controller.leaderId();
        return leaderId == -1 ? null : replica(leaderId);
    }

    /** The flusher's group commit: one fsync for the appends since the last, then the leader counts them. */
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
            if (r.replica.onLocalDurable() || r.replica.isLeader()) {
                afterLeaderProgress(r);
            }
        });
    }

    private void afterLeaderProgress(SimReplica r) {
        if (!r.replica.isLeader()) {
            return;
        }
        String key = r.id + "@" + r.replica.leaderEpoch() + "#" + r.incarnation;
        long hw = r.replica.highWatermark();
        Long previous = leaderHwByEpoch.get(key);
        if (previous != null && hw < previous) {
            fail("leader " + key + " HW went back from " + previous + " to " + hw);
        }
        leaderHwByEpoch.put(key, hw);
        r.pendingAcks.removeIf(last -> {
            AckDecision d = r.replica.canAcknowledge(last + 1);
            if (d.kind() == AckDecision.Kind.ACKNOWLEDGE) {
                for (long o = last; o >= r.logStartOffset() && (o == last || !r.log.get((int) o).lastInBatch()); o--) {
                    acked.put(o, r.log.get((int) o).value());
                    newlyAcked.put(o, r.log.get((int) o).value());
                }
            }
            return d.kind() != AckDecision.Kind.WAIT;
        });
    }

    private void handleFetch(SimReplica leader, int from, long requestId, int epoch, long fetchOffset,
                             int lastFetchedEpoch) {
        FollowerFetchResult result = leader.replica.handleFollowerFetch(world.nowMs, from, fetchOffset, epoch,
                lastFetchedEpoch);
        if (result.error() != ErrorCode.NONE) {
            respond(from, requestId, epoch, fetchOffset, result.error(), List.of(), 0, leader.logStartOffset());
            return;
        }
        afterLeaderProgress(leader);
        // whole batches, as a fetch returns them
        int batches = 1 + random.nextInt(3);
        int end = (int) fetchOffset;
        while (end < leader.logEndOffset() && batches > 0) {
            if (leader.log.get(end++).lastInBatch()) {
                batches--;
            }
        }
        List<SimReplica.Entry> entries = List.copyOf(leader.log.subList((int) fetchOffset, end));
        respond(from, requestId, epoch, fetchOffset, ErrorCode.NONE, entries, result.highWatermark(), leader.logStartOffset());
    }

    private void respond(int to, long requestId, int epoch, long fetchOffset, ErrorCode error,
                         List<SimReplica.Entry> entries, long hw, long leaderStart) {
        SimReplica r = replica(to);
        send(r, () -> handleFetchResponse(r, requestId, epoch, fetchOffset, error, entries, hw, leaderStart));
    }

    // ---- follower side (what ReplicaFetcher does) ----

    private void sendEpochQuery(SimReplica r) {
        long requestId = ++nextRequestId;
        r.outstandingRequest = requestId;
        int queried = r.replica.epochToQuery();
        int epoch = r.replica.leaderEpoch();
        SimReplica leader = replica(r.replica.leaderId());
        send(leader, () -> {
            if (!leader.replica.isLeader() || leader.replica.leaderEpoch() != epoch) {
                return; // FENCED/UNKNOWN_LEADER_EPOCH: the follower asks again after its timeout
            }
            EpochEndOffset answer = leader.replica.endOffsetForEpoch(queried);
            long leaderStart = leader.logStartOffset();
            send(r, () -> handleEpochResponse(r, requestId, epoch, answer, leaderStart));
        });
        armTimeout(r, requestId);
    }

    private void handleEpochResponse(SimReplica r, long requestId, int epoch, EpochEndOffset answer, long leaderStart) {
        if (r.role != SimReplica.Role.TRUNCATING || r.outstandingRequest != requestId) {
            return;
        }
        long before = r.logEndOffset();
        FollowerTruncation.Decision d;
        try {
            var decided = r.replica.truncateAfterDivergence(epoch, answer, leaderStart);
            if (decided.isEmpty()) {
                return; // the role changed meanwhile
            }
            d = decided.get();
        } catch (TruncationBelowHighWatermarkException e) {
            fail("replica " + r.id + ": " + e.getMessage());
            return;
        }
        if (r.logEndOffset() < before) {
            log("replica " + r.id + " truncates " + before + " -> " + r.logEndOffset() + " answer " + answer);
        }
        if (d.completed()) {
            r.role = SimReplica.Role.FETCHING;
            sendFetch(r);
        } else {
            sendEpochQuery(r);
        }
    }

    private void sendFetch(SimReplica r) {
        int epoch = r.replica.leaderEpoch();
        var position = r.replica.followerFetchPosition(epoch); // fsyncs first: it reports what is on disk
        if (position.isEmpty()) {
            return;
        }
        long requestId = ++nextRequestId;
        r.outstandingRequest = requestId;
        long fetchOffset = position.get().fetchOffset();
        int lastFetchedEpoch = position.get().lastFetchedEpoch();
        SimReplica leader = replica(r.replica.leaderId());
        int from = r.id;
        send(leader, () -> handleFetch(leader, from, requestId, epoch, fetchOffset, lastFetchedEpoch));
        armTimeout(r, requestId);
    }

    private void armTimeout(SimReplica r, long requestId) {
        schedule(50 + random.nextInt(50), () -> {
            if (r.outstandingRequest != requestId || !r.isUp()) {
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
                                     List<SimReplica.Entry> entries, long leaderHw, long leaderStart) {
        if (r.role != SimReplica.Role.FETCHING || r.outstandingRequest != requestId) {
            return;
        }
        r.outstandingRequest = -1;
        if (error != ErrorCode.NONE) {
            switch (FetchErrorAction.after(error, fetchOffset, leaderStart)) {
                case START_AT_LEADER_LOG_START -> {
                    if (r.replica.startAtLeaderLogStart(epoch, leaderStart)) {
                        log("replica " + r.id + " restarts its log at the leader's start " + leaderStart);
                        r.shrank = true;
                    }
                    sendFetch(r);
                }
                case TRUNCATE -> {
                    r.role = SimReplica.Role.TRUNCATING;
                    sendEpochQuery(r);
                }
                case BACK_OFF -> backOffFetch(r);
            }
            return;
        }
        switch (r.replica.checkFetchedData(epoch, fetchOffset)) {
            case ROLE_CHANGED -> {
                return;
            }
            case LOG_MOVED -> {
                r.role = SimReplica.Role.TRUNCATING;
                sendEpochQuery(r);
                return;
            }
            case APPEND -> appendFetched(r, entries);
        }
        int incarnation = r.incarnation;
        // the follower awaits the flusher's fsync, then takes the leader's HW and fetches again
        schedule(entries.isEmpty() ? FETCH_BACKOFF_MS : 1 + random.nextInt(3), () -> {
            if (r.incarnation != incarnation || r.role != SimReplica.Role.FETCHING) {
                return;
            }
            if (random.nextDouble() < 0.9) {
                r.flush(); // else the wait failed: followerFetchOffset fsyncs before reporting
            }
            r.replica.updateFollowerHighWatermark(epoch, leaderHw);
            r.replica.followLeaderLogStart(epoch, leaderStart);
            sendFetch(r);
        });
    }

    private void appendFetched(SimReplica r, List<SimReplica.Entry> entries) {
        List<String> batch = new ArrayList<>();
        for (SimReplica.Entry e : entries) {
            batch.add(e.value());
            if (e.lastInBatch()) {
                long base = r.logEndOffset();
                r.appendBatch(e.epoch(), batch);
                r.replica.onFetchedBatch(e.epoch(), base);
                batch.clear();
            }
        }
    }

    private void backOffFetch(SimReplica r) {
        int incarnation = r.incarnation;
        schedule(FETCH_BACKOFF_MS, () -> {
            if (r.incarnation == incarnation && r.role == SimReplica.Role.FETCHING && r.outstandingRequest == -1) {
                sendFetch(r);
            }
        });
    }

    // ---- network ----

    private void send(SimReplica to, Runnable deliver) {
        if (world.faults && random.nextDouble() < dropRate) {
            return;
        }
        int copies = world.faults && random.nextDouble() < duplicateRate ? 2 : 1;
        int incarnation = to.incarnation;
        for (int i = 0; i < copies; i++) {
            schedule(1 + random.nextInt(world.faults ? maxDelayMs : 3), () -> {
                if (to.isUp() && to.incarnation == incarnation) {
                    deliver.run();
                }
            });
        }
    }

    // ---- checker ----

    void checkInvariants() {
        for (SimReplica r : replicas) {
            if (r.hwCheckpoint() > r.durable) {
                fail("replica " + r.id + " checkpointed HW " + r.hwCheckpoint() + " beyond durable " + r.durable);
            }
            long hw = r.isUp() ? r.highWatermark() : Math.min(r.hwCheckpoint(), r.logEndOffset());
            if (hw > r.logEndOffset()) {
                fail("replica " + r.id + " HW " + hw + " beyond log end " + r.logEndOffset());
            }
            if (r.logStartOffset() > highestRequestedStart) {
                fail("replica " + r.id + " starts at " + r.logStartOffset() + ", past every requested start ("
                        + highestRequestedStart + ")");
            }
            if (r.isUp() && r.logStartOffset() > hw) {
                fail("replica " + r.id + " starts at " + r.logStartOffset() + ", past its HW " + hw);
            }
            for (long o = Math.max(r.verifiedUpTo, r.logStartOffset()); o < hw; o++) {
                String v = r.log.get((int) o).value();
                String prev = committed.putIfAbsent(o, v);
                if (prev != null && !prev.equals(v)) {
                    fail("offset " + o + " committed as " + prev + " but replica " + r.id + " holds " + v);
                }
            }
            r.verifiedUpTo = Math.max(r.verifiedUpTo, hw);
        }
        Set<Integer> isr = controller.isr();
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
                if (o < r.logStartOffset()) {
                    continue; // deleted on request
                }
                if (r.durable <= o || !r.log.get((int) o).value().equals(a.getValue())) {
                    fail("acknowledged " + a.getValue() + " at " + o + " missing from ISR member " + id
                            + " (durable " + r.durable + ")");
                }
            }
        }
        newlyAcked.clear();
    }

    void checkConverged() {
        int leaderId = controller.leaderId();
        if (leaderId == -1) {
            fail("no leader after healing");
        }
        SimReplica leader = replica(leaderId);
        if (!leader.replica.isLeader()) {
            fail("leader " + leaderId + " not leading after healing");
        }
        for (SimReplica r : replicas) {
            int from = (int) Math.max(r.logStartOffset(), leader.logStartOffset());
            if (r.logEndOffset() != leader.logEndOffset()
                    || !r.log.subList(from, r.log.size()).equals(leader.log.subList(from, leader.log.size()))) {
                fail("replica " + r.id + " did not converge: leo " + r.logEndOffset() + " vs leader " + leader.logEndOffset());
            }
        }
        if (leader.highWatermark() != leader.logEndOffset()) {
            fail("leader HW " + leader.highWatermark() + " did not reach leo " + leader.logEndOffset());
        }
        if (controller.isr().size() != replicaCount) {
            fail("ISR did not expand back: " + controller.isr());
        }
    }
}
