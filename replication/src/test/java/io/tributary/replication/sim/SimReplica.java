package io.tributary.replication.sim;

import io.tributary.replication.LeaderEpochCache;
import io.tributary.replication.PartitionLeaderState;

import java.util.ArrayList;
import java.util.List;

/**
 * One simulated replica of one partition: a log whose first {@code durable} entries survive power
 * loss, an epoch cache rebuilt from the log on restart, a checkpointed high watermark.
 */
final class SimReplica {
    record Entry(long offset, int epoch, String value) {
    }

    enum Role { OFFLINE, NONE, LEADER, TRUNCATING, FETCHING }

    final int id;
    final List<Entry> log = new ArrayList<>();
    int durable;
    long hwCheckpoint;

    // volatile (lost on crash)
    Role role = Role.OFFLINE;
    long hw;
    int knownEpoch = -1;
    int leaderId = -1;
    LeaderEpochCache cache = new LeaderEpochCache();
    PartitionLeaderState leaderState;
    long outstandingRequest = -1;
    int queriedEpoch = -1;
    boolean flushScheduled;
    final List<long[]> pendingAcks = new ArrayList<>(); // {offset}
    int incarnation;
    /** Offsets below this were already compared with the committed history (checker bookkeeping). */
    long verifiedUpTo;
    /** The log shrank since the last full acknowledged-records check. */
    boolean shrank;

    SimReplica(int id) {
        this.id = id;
    }

    long logEndOffset() {
        return log.size();
    }

    void append(int epoch, String value) {
        log.add(new Entry(log.size(), epoch, value));
        cache.assign(epoch, log.size() - 1);
    }

    void flush() {
        durable = log.size();
        hwCheckpoint = Math.min(hw, durable);
    }

    void truncateTo(long offset) {
        if (offset < log.size()) {
            log.subList((int) offset, log.size()).clear();
        }
        durable = Math.min(durable, log.size());
        cache.truncateFromEnd(offset);
        verifiedUpTo = Math.min(verifiedUpTo, log.size());
        shrank = true;
    }

    /** Power loss: the unflushed suffix and all in-memory state are gone. */
    void crash() {
        log.subList(durable, log.size()).clear();
        verifiedUpTo = Math.min(verifiedUpTo, log.size());
        shrank = true;
        role = Role.OFFLINE;
        leaderState = null;
        pendingAcks.clear();
        outstandingRequest = -1;
        flushScheduled = false;
        knownEpoch = -1;
        leaderId = -1;
        incarnation++;
    }

    void restart() {
        hw = hwCheckpoint;
        cache = new LeaderEpochCache();
        for (Entry e : log) {
            cache.assign(e.epoch(), e.offset());
        }
        role = Role.NONE;
    }
}
