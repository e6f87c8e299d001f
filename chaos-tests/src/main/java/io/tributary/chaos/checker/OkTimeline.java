package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * When sends were acknowledged, sorted, and the gaps between them: the stretches in which no
 * producer made progress. A gap still open when the workload ended runs to that end.
 */
final class OkTimeline {
    private final long[] okNanos;
    private final long workloadEndNanos;

    private OkTimeline(long[] okNanos, long workloadEndNanos) {
        this.okNanos = okNanos;
        this.workloadEndNanos = workloadEndNanos;
    }

    static OkTimeline from(Iterable<HistoryEvent> history) {
        return from(history, ALL_PARTITIONS);
    }

    static final int ALL_PARTITIONS = -1;

    /** The acknowledgements of one partition ({@link #ALL_PARTITIONS}: of every one). */
    static OkTimeline from(Iterable<HistoryEvent> history, int partition) {
        long[] oks = new long[16];
        int count = 0;
        long end = 0;
        for (HistoryEvent e : history) {
            if (e.type() == HistoryEvent.Type.OK && (partition == ALL_PARTITIONS || e.partition() == partition)) {
                if (count == oks.length) {
                    oks = Arrays.copyOf(oks, count * 2);
                }
                oks[count++] = e.timeNanos();
            }
            // the final drain and the node logs come after the workload: a stall must not stretch to them
            if (!HistoryEvent.FINAL.equals(e.process()) && e.type() != HistoryEvent.Type.NODE_LOG) {
                end = Math.max(end, e.timeNanos());
            }
        }
        long[] sorted = Arrays.copyOf(oks, count);
        Arrays.sort(sorted); // threads stamp events a little before they append them
        return new OkTimeline(sorted, end);
    }

    boolean isEmpty() {
        return okNanos.length == 0;
    }

    long firstOk() {
        return okNanos[0];
    }

    long lastOk() {
        return okNanos[okNanos.length - 1];
    }

    long workloadEndNanos() {
        return workloadEndNanos;
    }

    /** The first acknowledgement strictly after that time, if any. */
    OptionalLong firstOkAfter(long nanos) {
        int i = Arrays.binarySearch(okNanos, nanos);
        int next = i >= 0 ? i + 1 : -i - 1;
        while (next < okNanos.length && okNanos[next] <= nanos) {
            next++; // equal times: binarySearch may land on any of them
        }
        return next < okNanos.length ? OptionalLong.of(okNanos[next]) : OptionalLong.empty();
    }

    /** The longest gap that begins before {@code toNanos} and ends after {@code fromNanos}. */
    Optional<Availability.Window> longestGap(long fromNanos, long toNanos) {
        Availability.Window longest = null;
        for (int i = 0; i < okNanos.length; i++) {
            boolean open = i + 1 == okNanos.length;
            long start = okNanos[i];
            long end = open ? workloadEndNanos : okNanos[i + 1];
            if (end <= start || start >= toNanos || end <= fromNanos) {
                continue;
            }
            if (longest == null || end - start > longest.durationNanos()) {
                longest = new Availability.Window(start, end, !open);
            }
        }
        return Optional.ofNullable(longest);
    }
}
