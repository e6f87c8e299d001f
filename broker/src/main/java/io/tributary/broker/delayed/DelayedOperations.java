package io.tributary.broker.delayed;

import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The broker's one registry of requests parked until a partition's offset reaches a target (Kafka's
 * purgatory, keyed by offset): an fsync reaching an offset ({@link Watch#DURABLE}: acks=1, a
 * follower's fetched data, the leader's own end counting), the high watermark passing a produce's
 * last offset with the ISR large enough ({@link Watch#ACKS_ALL}), and long-poll fetches waiting for
 * the high watermark ({@link Watch#HIGH_WATERMARK}, consumers) or the log end ({@link Watch#LOG_END},
 * followers) to move.
 *
 * <pre>
 * call                                  effect
 * await(tp, w, target, timeout, now)    a future: NONE once w reaches target (at once if now() does),
 *                                       REQUEST_TIMED_OUT after timeoutMs (never with NO_TIMEOUT)
 * complete(tp, w, reached, outcome)     removes every waiter with target <= reached; returns the
 *                                       completion (outcome) to run once the caller's locks are released
 * completeAbove(tp, w, offset, outcome) the same for waiters with target > offset (truncation, failure)
 * </pre>
 * An owner that decides under its own lock (the partition's monitor) calls {@code complete} there
 * and runs the returned completion after releasing it, so a waiter is decided exactly once and its
 * dependents never run under the owner's lock. Thread-safe.
 */
public final class DelayedOperations implements AutoCloseable {
    /** What a waiter waits for. */
    public enum Watch { DURABLE, ACKS_ALL, HIGH_WATERMARK, LOG_END }

    /** For {@link #await}: wait until the offset is reached or the owner fails the waiter. */
    public static final long NO_TIMEOUT = Long.MAX_VALUE;

    private record Key(TopicPartition tp, Watch watch) {
    }

    private static final class Waiter {
        final CompletableFuture<ErrorCode> future = new CompletableFuture<>();
        ScheduledFuture<?> expiry;
    }

    /** Waiters by target offset, per key; each map guarded by itself. */
    private final Map<Key, NavigableMap<Long, ArrayDeque<Waiter>>> waiters = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor expirer;

    public DelayedOperations() {
        expirer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "delayed-operation-expirer");
            t.setDaemon(true);
            return t;
        });
        expirer.setRemoveOnCancelPolicy(true); // completed waiters leave no timer behind
    }

    /**
     * Parks until {@code watch} of {@code tp} reaches {@code target}. {@code current} is read after
     * the waiter is registered, so an advance that happened just before is not missed.
     */
    public CompletableFuture<ErrorCode> await(TopicPartition tp, Watch watch, long target, long timeoutMs,
                                              LongSupplier current) {
        if (current.getAsLong() >= target) {
            return CompletableFuture.completedFuture(ErrorCode.NONE);
        }
        Waiter waiter = new Waiter();
        NavigableMap<Long, ArrayDeque<Waiter>> byOffset = waiters.computeIfAbsent(new Key(tp, watch),
                k -> new TreeMap<>());
        synchronized (byOffset) {
            byOffset.computeIfAbsent(target, t -> new ArrayDeque<>(2)).add(waiter);
        }
        if (timeoutMs != NO_TIMEOUT) {
            waiter.expiry = expirer.schedule(() -> expire(byOffset, target, waiter), timeoutMs, TimeUnit.MILLISECONDS);
        }
        if (current.getAsLong() >= target) {
            complete(tp, watch, current.getAsLong(), ErrorCode.NONE).run();
        }
        return waiter.future;
    }

    /** Takes the waiters with target at most {@code reached}; run the result without locks held. */
    public Runnable complete(TopicPartition tp, Watch watch, long reached, ErrorCode outcome) {
        return take(tp, watch, outcome, map -> map.headMap(reached, true));
    }

    /** Takes the waiters with target above {@code offset}; run the result without locks held. */
    public Runnable completeAbove(TopicPartition tp, Watch watch, long offset, ErrorCode outcome) {
        return take(tp, watch, outcome, map -> map.tailMap(offset, false));
    }

    private Runnable take(TopicPartition tp, Watch watch, ErrorCode outcome,
                          java.util.function.Function<NavigableMap<Long, ArrayDeque<Waiter>>,
                                  NavigableMap<Long, ArrayDeque<Waiter>>> range) {
        NavigableMap<Long, ArrayDeque<Waiter>> byOffset = waiters.get(new Key(tp, watch));
        if (byOffset == null) {
            return () -> { };
        }
        List<Waiter> taken = new ArrayList<>();
        synchronized (byOffset) {
            NavigableMap<Long, ArrayDeque<Waiter>> selected = range.apply(byOffset);
            if (selected.isEmpty()) {
                return () -> { };
            }
            selected.values().forEach(taken::addAll);
            selected.clear();
        }
        return () -> {
            for (Waiter w : taken) {
                if (w.expiry != null) {
                    w.expiry.cancel(false);
                }
                w.future.complete(outcome);
            }
        };
    }

    private void expire(NavigableMap<Long, ArrayDeque<Waiter>> byOffset, long target, Waiter waiter) {
        boolean removed;
        synchronized (byOffset) {
            ArrayDeque<Waiter> atTarget = byOffset.get(target);
            removed = atTarget != null && atTarget.remove(waiter);
            if (atTarget != null && atTarget.isEmpty()) {
                byOffset.remove(target);
            }
        }
        if (removed) {
            waiter.future.complete(ErrorCode.REQUEST_TIMED_OUT);
        }
    }

    /** Waiters parked for {@code watch} over all partitions; for tests and metrics. */
    public int parkedCount(Watch watch) {
        int count = 0;
        for (Map.Entry<Key, NavigableMap<Long, ArrayDeque<Waiter>>> e : waiters.entrySet()) {
            if (e.getKey().watch() == watch) {
                synchronized (e.getValue()) {
                    for (ArrayDeque<Waiter> atTarget : e.getValue().values()) {
                        count += atTarget.size();
                    }
                }
            }
        }
        return count;
    }

    /**
     * Forgets a partition's maps when it is removed from this broker. Produce waiters left there
     * were appended, so they fail with an indefinite error (the records may be on other replicas);
     * NOT_LEADER_OR_FOLLOWER would tell a producer they were not written.
     */
    public void forget(TopicPartition tp) {
        for (Watch watch : Watch.values()) {
            ErrorCode outcome = switch (watch) {
                case ACKS_ALL -> ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
                case DURABLE -> ErrorCode.STORAGE_ERROR;
                case HIGH_WATERMARK, LOG_END -> ErrorCode.NOT_LEADER_OR_FOLLOWER;
            };
            completeAbove(tp, watch, Long.MIN_VALUE, outcome).run();
            waiters.remove(new Key(tp, watch));
        }
    }

    @Override
    public void close() {
        expirer.shutdownNow();
    }
}
