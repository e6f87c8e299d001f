package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import io.tributary.chaos.history.HistoryEvent.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds small synthetic histories for the checker's tests. Each event is stamped one millisecond
 * after the previous one unless {@link #at} sets the clock.
 */
final class HistoryBuilder {
    private static final long NANOS_PER_MS = 1_000_000;

    private final List<HistoryEvent> events = new ArrayList<>();
    private long nowNanos;

    /** Sets the time of the next event. */
    HistoryBuilder at(double millis) {
        nowNanos = Math.round(millis * NANOS_PER_MS);
        return this;
    }

    HistoryBuilder invoke(String producer, int partition, String value) {
        return add(producer, Type.INVOKE, partition, value, -1, "");
    }

    HistoryBuilder ok(String producer, int partition, String value, long offset) {
        return add(producer, Type.OK, partition, value, offset, "");
    }

    HistoryBuilder fail(String producer, int partition, String value) {
        return add(producer, Type.FAIL, partition, value, -1, "NOT_LEADER");
    }

    HistoryBuilder info(String producer, int partition, String value) {
        return add(producer, Type.INFO, partition, value, -1, "timeout");
    }

    /** An INVOKE immediately acknowledged at that offset. */
    HistoryBuilder sendOk(String producer, int partition, String value, long offset) {
        return invoke(producer, partition, value).ok(producer, partition, value, offset);
    }

    HistoryBuilder read(String consumer, int partition, long offset, String value) {
        return add(consumer, Type.READ, partition, value, offset, "");
    }

    /** READs of consecutive offsets from {@code firstOffset}. */
    HistoryBuilder reads(String consumer, int partition, long firstOffset, String... values) {
        for (int i = 0; i < values.length; i++) {
            read(consumer, partition, firstOffset + i, values[i]);
        }
        return this;
    }

    HistoryBuilder seek(String consumer, int partition, long offset) {
        return add(consumer, Type.SEEK, partition, "", offset, "");
    }

    /** The final drain of one partition: its values at offsets 0, 1, 2... */
    HistoryBuilder finalLog(int partition, String... values) {
        return reads(HistoryEvent.FINAL, partition, 0, values);
    }

    HistoryBuilder nemesisStart(String kind, String detail) {
        return add(HistoryEvent.NEMESIS, Type.NEMESIS_START, -1, kind, -1, detail);
    }

    HistoryBuilder nemesisStop(String kind) {
        return add(HistoryEvent.NEMESIS, Type.NEMESIS_STOP, -1, kind, -1, "");
    }

    HistoryBuilder nodeReady(int node, long millisAfterLaunch) {
        return add(HistoryEvent.NEMESIS, Type.NODE_READY, -1, "node" + node, millisAfterLaunch, "ready after its restart");
    }

    HistoryBuilder nodeLog(int node, String line) {
        return add("node" + node, Type.NODE_LOG, -1, "", -1, line);
    }

    HistoryBuilder assigned(String member, int partition) {
        return add(member, Type.ASSIGNED, partition, "", -1, "");
    }

    HistoryBuilder revoked(String member, int partition) {
        return add(member, Type.REVOKED, partition, "", -1, "revoked");
    }

    HistoryBuilder commit(String member, int partition, long offset) {
        return add(member, Type.COMMIT, partition, "", offset, "");
    }

    HistoryBuilder groupFinal(int partition, long offset) {
        return add(HistoryEvent.GROUP, Type.GROUP_FINAL, partition, "", offset, "");
    }

    List<HistoryEvent> build() {
        return List.copyOf(events);
    }

    private HistoryBuilder add(String process, Type type, int partition, String value, long offset, String detail) {
        events.add(new HistoryEvent(nowNanos, process, type, partition, value, offset, detail));
        nowNanos += NANOS_PER_MS;
        return this;
    }
}
