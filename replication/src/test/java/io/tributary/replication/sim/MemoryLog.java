package io.tributary.replication.sim;

import io.tributary.replication.ReplicaLog;

import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory partition log under a {@link io.tributary.replication.Replica}: records in batches,
 * the first {@link #durable} of them fsynced. The list is indexed by offset; records below
 * {@link #start} are deleted (retention) and kept only as placeholders with a null value. Unit tests use it as is; the simulation's
 * {@link SimReplica} adds power loss and the high-watermark checkpoint.
 */
public class MemoryLog implements ReplicaLog {
    /** One record; {@code lastInBatch} marks where a batch (one append) ends. */
    public record Entry(long offset, int epoch, String value, boolean lastInBatch) {
    }

    public final List<Entry> log = new ArrayList<>();
    public int durable;
    /** The log start offset: entries below it are deleted. */
    public long start;

    @Override
    public long logStartOffset() {
        return start;
    }

    @Override
    public void advanceLogStartOffset(long newStart) {
        if (newStart > log.size()) {
            throw new IllegalArgumentException("log start " + newStart + " beyond the log end " + log.size());
        }
        if (newStart <= start) {
            return;
        }
        for (int o = (int) start; o < newStart; o++) {
            Entry e = log.get(o);
            log.set(o, new Entry(o, e.epoch(), null, e.lastInBatch()));
        }
        start = newStart;
    }

    @Override
    public void truncateFullyAndStartAt(long offset) {
        log.clear();
        for (int o = 0; o < offset; o++) {
            log.add(new Entry(o, -1, null, true));
        }
        start = offset;
        durable = log.size();
    }

    @Override
    public long logEndOffset() {
        return log.size();
    }

    @Override
    public long durableEndOffset() {
        return durable;
    }

    @Override
    public boolean acknowledgesOnlyDurableRecords() {
        return true;
    }

    @Override
    public void flush() {
        durable = log.size();
    }

    @Override
    public void truncateTo(long offset) {
        if (offset < log.size()) {
            log.subList((int) Math.max(offset, start), log.size()).clear();
        }
        durable = Math.min(durable, log.size()); // the cut is fsynced
    }

    /** Appends one batch of records at {@code epoch} (a leader's produce, or one fetched batch). */
    public void appendBatch(int epoch, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            log.add(new Entry(log.size(), epoch, values.get(i), i == values.size() - 1));
        }
    }

    /** Appends a batch of {@code count} records at {@code epoch}. */
    public void appendBatch(int epoch, int count) {
        List<String> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            values.add("r" + (log.size() + i));
        }
        appendBatch(epoch, values);
    }
}
