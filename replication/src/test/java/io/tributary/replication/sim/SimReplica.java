package io.tributary.replication.sim;

import io.tributary.replication.FollowerLagLimits;

import io.tributary.replication.LeaderEpochCache;
import io.tributary.replication.Replica;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One simulated replica of one partition: the storage under the production {@link Replica} and
 * the driver's per-replica state (what its fetcher is doing, the produces waiting for acks=all).
 *
 * <p>Storage is faked the way a disk fails (STYLE 11): appends sit in the page cache until
 * {@link #flush}; on power loss a random prefix of the unsynced tail may have reached the disk
 * anyway, and the last batch that reached it may be torn, which recovery cuts back to the last
 * whole batch. The high watermark checkpoint is written as the broker writes it: periodically,
 * capped at the durable end, synced; a truncation lowers it unsynced, so power loss may roll that
 * back to the checkpoint before (a restarted replica caps it at its log end). The epoch cache is
 * rebuilt from the log on restart.
 */
final class SimReplica extends MemoryLog {

    /** What this replica's driver is doing. */
    enum Role { OFFLINE, NONE, LEADER, TRUNCATING, FETCHING }

    final int id;
    private final FollowerLagLimits lagLimits;
    /** The checkpoint that survives power loss, and the unsynced writes after it, oldest first. */
    private long hwCheckpointOnDisk;
    private final List<Long> hwCheckpointWrites = new ArrayList<>();

    // volatile (lost on crash)
    Role role = Role.OFFLINE;
    Replica replica;
    /** This incarnation registered with the controller (it acts on metadata from then on). */
    boolean registered;
    long outstandingRequest = -1;
    boolean flushScheduled;
    final List<Long> pendingAcks = new ArrayList<>(); // last offsets of produces waiting for acks=all
    int incarnation;
    /** Offsets below this were already compared with the committed history (checker bookkeeping). */
    long verifiedUpTo;
    /** The log shrank since the last full acknowledged-records check. */
    boolean shrank;

    SimReplica(int id, FollowerLagLimits lagLimits) {
        this.id = id;
        this.lagLimits = lagLimits;
    }

    /** A truncation also lowers the checkpoint (unsynced), as PartitionLog does below it. */
    @Override
    public void truncateTo(long offset) {
        super.truncateTo(offset);
        verifiedUpTo = Math.min(verifiedUpTo, log.size());
        shrank = true;
        if (hwCheckpoint() > log.size()) { // only an unclean truncation goes below it
            hwCheckpointWrites.add((long) log.size());
        }
    }

    // ---------------------------------------------------------------- driver side

    /**
     * The broker's periodic checkpoint: the replica's HW capped at the durable end, in one synced
     * write with the other partitions' (a truncation's lowered value before it is not synced).
     */
    void checkpointHighWatermark() {
        long value = Math.min(replica.highWatermark(), durable);
        if (value != hwCheckpoint()) {
            hwCheckpointOnDisk = value;
            hwCheckpointWrites.clear();
        }
    }

    /** The checkpoint as the running broker last wrote it. */
    long hwCheckpoint() {
        return hwCheckpointWrites.isEmpty() ? hwCheckpointOnDisk : hwCheckpointWrites.get(hwCheckpointWrites.size() - 1);
    }

    /**
     * Power loss: a random prefix of the unsynced tail reached the disk, torn in its last batch
     * (recovery cuts it back to a whole batch); a random prefix of the unsynced checkpoint writes
     * survives; all in-memory state is gone.
     */
    void crash(Random random) {
        int survived = durable + random.nextInt(log.size() - durable + 1);
        while (survived > durable && !log.get(survived - 1).lastInBatch()) {
            survived--; // a torn batch fails its CRC and is cut
        }
        log.subList(survived, log.size()).clear();
        durable = log.size();
        if (log.size() < start) {
            truncateFullyAndStartAt(start); // the recorded start survives: recovery restarts the log empty there
        }
        int keptWrites = random.nextInt(hwCheckpointWrites.size() + 1);
        if (keptWrites > 0) {
            hwCheckpointOnDisk = hwCheckpointWrites.get(keptWrites - 1);
        }
        hwCheckpointWrites.clear();
        verifiedUpTo = Math.min(verifiedUpTo, log.size());
        shrank = true;
        role = Role.OFFLINE;
        replica = null;
        registered = false;
        pendingAcks.clear();
        outstandingRequest = -1;
        flushScheduled = false;
        incarnation++;
    }

    /** Recovery as the broker's: the epoch cache from the log, the HW from the checkpoint (the replica bounds it by its log). */
    void restart() {
        LeaderEpochCache cache = new LeaderEpochCache();
        for (Entry e : log.subList((int) start, log.size())) {
            cache.assign(e.epoch(), e.offset());
        }
        replica = new Replica(id, this, cache, hwCheckpointOnDisk, lagLimits);
        role = Role.NONE;
    }

    boolean isUp() {
        return role != Role.OFFLINE;
    }

    long highWatermark() {
        return replica.highWatermark();
    }
}
