package io.tributary.broker.server;

import io.tributary.proto.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Long-poll fetches parked until one of their partitions' high watermark moves. A waiter is
 * registered on every partition of its fetch and runs once, on the first advance of any of them;
 * it re-registers itself if it still lacks {@code min_bytes}.
 */
final class HighWatermarkWaiters {
    private final Map<TopicPartition, List<Runnable>> waiters = new ConcurrentHashMap<>();

    void register(Collection<TopicPartition> partitions, Runnable waiter) {
        for (TopicPartition tp : partitions) {
            waiters.compute(tp, (k, list) -> {
                List<Runnable> updated = list == null ? new ArrayList<>(2) : list;
                if (updated.stream().noneMatch(w -> w == waiter)) { // re-parking must not pile up copies
                    updated.add(waiter);
                }
                return updated;
            });
        }
    }

    /** Runs (on the caller's thread) every waiter parked on {@code tp}. */
    void advanced(TopicPartition tp) {
        List<Runnable> parked = waiters.remove(tp);
        if (parked != null) {
            for (Runnable waiter : parked) {
                waiter.run();
            }
        }
    }

    void remove(Collection<TopicPartition> partitions, Runnable waiter) {
        for (TopicPartition tp : partitions) {
            waiters.computeIfPresent(tp, (k, list) -> {
                list.removeIf(w -> w == waiter);
                return list.isEmpty() ? null : list;
            });
        }
    }

    /** Entries parked over all partitions; for tests and metrics. */
    int parkedCount() {
        return waiters.values().stream().mapToInt(List::size).sum();
    }
}
