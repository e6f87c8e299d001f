package io.tributary.replication;

import java.util.ArrayList;
import java.util.List;

/**
 * Leader epoch -> start offset of that epoch on this replica's log (KIP-101). Entries are strictly
 * increasing in both epoch and start offset. Pure and in memory: the owner persists
 * {@link #entries()} (or rebuilds them from the batches' epochs on recovery).
 *
 * <pre>
 * assign(e, o)          append (e, o); entries with epoch >= e or start >= o are removed first
 * truncateFromEnd(o)    after the log was truncated to end offset o: drop entries starting at >= o
 * truncateFromStart(o)  after the log start moved to o: drop entries wholly before o, clamp the one covering o
 * endOffsetFor(e, leo)  OffsetsForLeaderEpoch answer
 * </pre>
 */
public final class LeaderEpochCache {

    /** One entry: the first offset written in {@code epoch}. */
    public record EpochEntry(int epoch, long startOffset) {
        public EpochEntry {
            if (epoch < 0 || startOffset < 0) {
                throw new IllegalArgumentException("epoch and startOffset must be >= 0: " + epoch + ", " + startOffset);
            }
        }
    }

    private final ArrayList<EpochEntry> entries = new ArrayList<>();

    public LeaderEpochCache() {
    }

    public LeaderEpochCache(List<EpochEntry> initial) {
        for (EpochEntry e : initial) {
            assign(e.epoch(), e.startOffset());
        }
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}. A no-op when the latest entry is the
     * same epoch at the same or a lower start. Entries that would break monotonicity (epoch >= the
     * new one, or start >= the new start) are removed, as Kafka does.
     *
     * @return true when the cache changed
     */
    public boolean assign(int epoch, long startOffset) {
        EpochEntry entry = new EpochEntry(epoch, startOffset);
        if (!entries.isEmpty()) {
            EpochEntry latest = entries.get(entries.size() - 1);
            if (latest.epoch() == epoch && latest.startOffset() <= startOffset) {
                return false;
            }
        }
        while (!entries.isEmpty()) {
            EpochEntry last = entries.get(entries.size() - 1);
            if (last.epoch() >= epoch || last.startOffset() >= startOffset) {
                entries.remove(entries.size() - 1);
            } else {
                break;
            }
        }
        entries.add(entry);
        return true;
    }

    /** The latest epoch, or {@link EpochEndOffset#UNDEFINED_EPOCH} when empty. */
    public int latestEpoch() {
        return entries.isEmpty() ? EpochEndOffset.UNDEFINED_EPOCH : entries.get(entries.size() - 1).epoch();
    }

    /** The start offset of the latest epoch, or {@link EpochEndOffset#UNDEFINED_OFFSET} when empty. */
    public long latestStartOffset() {
        return entries.isEmpty() ? EpochEndOffset.UNDEFINED_OFFSET : entries.get(entries.size() - 1).startOffset();
    }

    /** The epoch before {@code epoch} in this cache, or {@link EpochEndOffset#UNDEFINED_EPOCH}. */
    public int previousEpoch(int epoch) {
        int result = EpochEndOffset.UNDEFINED_EPOCH;
        for (EpochEntry e : entries) {
            if (e.epoch() < epoch) {
                result = e.epoch();
            }
        }
        return result;
    }

    /**
     * OffsetsForLeaderEpoch: for {@code requestedEpoch}, the largest known epoch <= it and the start
     * offset of the first epoch greater than it; {@code logEndOffset} when the requested epoch is the
     * latest. When the requested epoch is older than every entry (retention deleted the records of
     * the epochs before the first entry), the requested epoch ending where the first entry starts,
     * as Kafka answers: a follower then keeps what it holds up to there, which is below this log's
     * start (a fallback to its high watermark could cut committed records this log no longer has,
     * and an elected replica would then give their offsets to new records: the simulation found it).
     * {@link EpochEndOffset#UNDEFINED} when the requested epoch is undefined or newer than any known.
     */
    public EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        if (requestedEpoch < 0 || entries.isEmpty()) {
            return EpochEndOffset.UNDEFINED;
        }
        EpochEntry latest = entries.get(entries.size() - 1);
        if (latest.epoch() == requestedEpoch) {
            return new EpochEndOffset(requestedEpoch, logEndOffset);
        }
        EpochEntry floor = null;
        for (EpochEntry e : entries) {
            if (e.epoch() <= requestedEpoch) {
                floor = e;
            } else {
                // first entry greater than requested
                return new EpochEndOffset(floor == null ? requestedEpoch : floor.epoch(), e.startOffset());
            }
        }
        return EpochEndOffset.UNDEFINED; // requested epoch newer than the latest known
    }

    /** The log was replaced by an empty one: no epoch is known. */
    public void clear() {
        entries.clear();
    }

    /** The log was truncated so that {@code endOffset} is its new end: drop entries starting at or after it. */
    public void truncateFromEnd(long endOffset) {
        while (!entries.isEmpty() && entries.get(entries.size() - 1).startOffset() >= endOffset) {
            entries.remove(entries.size() - 1);
        }
    }

    /**
     * The log start moved to {@code startOffset} (retention): drop entries wholly before it and
     * clamp the entry that covers it to start there.
     */
    public void truncateFromStart(long startOffset) {
        int lastCovered = -1;
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).startOffset() <= startOffset) {
                lastCovered = i;
            }
        }
        if (lastCovered < 0) {
            return;
        }
        EpochEntry covering = entries.get(lastCovered);
        entries.subList(0, lastCovered + 1).clear();
        entries.add(0, new EpochEntry(covering.epoch(), startOffset));
    }

    /** The epoch the record at {@code offset} was written in, or UNDEFINED_EPOCH when before every entry. */
    public int epochForOffset(long offset) {
        int result = EpochEndOffset.UNDEFINED_EPOCH;
        for (EpochEntry e : entries) {
            if (e.startOffset() <= offset) {
                result = e.epoch();
            } else {
                break;
            }
        }
        return result;
    }

    public List<EpochEntry> entries() {
        return List.copyOf(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public LeaderEpochCache copy() {
        return new LeaderEpochCache(entries);
    }

    @Override
    public String toString() {
        return "LeaderEpochCache" + entries;
    }
}
