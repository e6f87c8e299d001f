package io.tributary.replication.sim;

import io.tributary.proto.v1.ErrorCode;
import io.tributary.replication.IsrChangeProposal;
import io.tributary.replication.LeaderAndIsr;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

/**
 * The controller's decisions for one simulated partition, as the metadata quorum makes them:
 * clean elections from the unfenced ISR, fencing a broker whose session expired (out of the ISR
 * unless it is the last member; a new leader if it led), unfencing a broker that registered again,
 * and AlterPartition checked as {@code IsrControlManager} checks it. Every change bumps the
 * partition epoch and is published to the nodes, which hear of it late.
 *
 * <pre>
 * event               effect
 * electLeader         leader := random unfenced live ISR member other than the current; epochs +1
 * fence(b)            b fenced; out of the ISR if it has others; if b led: elect, or NO_LEADER
 * unfence(b)          b may lead and join ISRs again; a leaderless partition elects
 * alterPartition(p)   FENCED/UNKNOWN_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER, INVALID_UPDATE_VERSION,
 *                     INELIGIBLE_REPLICA (a fenced member added), else ISR := p's; partition epoch +1
 * </pre>
 */
final class SimController {
    private final List<Integer> replicas;
    private final Random random;
    private final Consumer<String> log;
    private final Runnable publish;
    private final Set<Integer> fenced = new TreeSet<>();
    private int leaderId = LeaderAndIsr.NO_LEADER;
    private int leaderEpoch;
    private int partitionEpoch;
    private Set<Integer> isr;

    SimController(List<Integer> replicas, Random random, Consumer<String> log, Runnable publish) {
        this.replicas = List.copyOf(replicas);
        this.random = random;
        this.log = log;
        this.publish = publish;
        this.isr = new TreeSet<>(replicas);
    }

    LeaderAndIsr registration() {
        return new LeaderAndIsr(leaderId, leaderEpoch, partitionEpoch, replicas, List.copyOf(isr));
    }

    int leaderId() {
        return leaderId;
    }

    Set<Integer> isr() {
        return isr;
    }


    /**
     * A clean election among the unfenced ISR members other than the current leader that {@code
     * eligible} allows (the simulation moves leadership only to live nodes; the controller cannot
     * tell a crashed broker from a live one until its session expires).
     */
    void electLeader(IntPredicate eligible) {
        List<Integer> candidates = new ArrayList<>();
        for (int id : isr) {
            if (!fenced.contains(id) && id != leaderId && eligible.test(id)) {
                candidates.add(id);
            }
        }
        if (candidates.isEmpty()) {
            log.accept("controller: no eligible ISR member to elect, isr=" + isr + " fenced=" + fenced);
            return;
        }
        changeLeader(candidates.get(random.nextInt(candidates.size())));
    }

    private void changeLeader(int newLeader) {
        leaderId = newLeader;
        leaderEpoch++;
        partitionEpoch++;
        log.accept("controller: leader " + newLeader + " epoch " + leaderEpoch + " isr " + isr);
        publish.run();
    }

    void fence(int broker, IntPredicate eligible) {
        if (!fenced.add(broker)) {
            return;
        }
        boolean changed = false;
        if (isr.contains(broker) && isr.size() > 1) {
            isr = new TreeSet<>(isr);
            isr.remove(broker);
            changed = true;
        }
        log.accept("controller: fenced " + broker + " isr " + isr);
        if (leaderId == broker) {
            int before = leaderEpoch;
            electLeader(eligible);
            if (leaderEpoch == before) { // nobody to elect: the partition is offline
                leaderId = LeaderAndIsr.NO_LEADER;
                leaderEpoch++;
                partitionEpoch++;
                log.accept("controller: no leader, epoch " + leaderEpoch);
                publish.run();
            }
        } else if (changed) {
            partitionEpoch++;
            publish.run();
        }
    }

    void unfence(int broker, IntPredicate eligible) {
        if (fenced.remove(broker) && leaderId == LeaderAndIsr.NO_LEADER) {
            electLeader(eligible);
        }
    }

    /** AlterPartition from a leader: the answer it gets (NONE when committed). */
    ErrorCode alterPartition(IsrChangeProposal p) {
        if (p.leaderEpoch() < leaderEpoch) {
            return ErrorCode.FENCED_LEADER_EPOCH;
        }
        if (p.leaderId() != leaderId) {
            return ErrorCode.NOT_LEADER_OR_FOLLOWER;
        }
        if (p.leaderEpoch() > leaderEpoch) {
            return ErrorCode.UNKNOWN_LEADER_EPOCH;
        }
        if (p.partitionEpoch() != partitionEpoch) {
            return ErrorCode.INVALID_UPDATE_VERSION;
        }
        for (int member : p.newIsr()) {
            if (!isr.contains(member) && fenced.contains(member)) {
                return ErrorCode.INELIGIBLE_REPLICA;
            }
        }
        isr = new TreeSet<>(p.newIsr());
        partitionEpoch++;
        log.accept("controller: isr " + isr + " partitionEpoch " + partitionEpoch);
        publish.run();
        return ErrorCode.NONE;
    }
}
