package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.proto.TopicPartition;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HighWatermarkWaitersTest {
    private final TopicPartition a = new TopicPartition("t", 0);
    private final TopicPartition b = new TopicPartition("t", 1);

    @Test
    void aWaiterRunsOnceOnTheFirstAdvanceOfItsPartition() {
        HighWatermarkWaiters waiters = new HighWatermarkWaiters();
        AtomicInteger runs = new AtomicInteger();
        waiters.register(List.of(a), runs::incrementAndGet);
        waiters.advanced(b);
        assertThat(runs).hasValue(0);
        waiters.advanced(a);
        waiters.advanced(a);
        assertThat(runs).hasValue(1);
    }

    @Test
    void reParkingAFetchOnIdlePartitionsDoesNotPileUpCopies() {
        HighWatermarkWaiters waiters = new HighWatermarkWaiters();
        Runnable fetch = () -> { };
        for (int i = 0; i < 100; i++) {
            waiters.register(List.of(a, b), fetch); // parked again after each advance of a
            waiters.advanced(a);
        }
        assertThat(waiters.parkedCount()).isEqualTo(1); // only b still holds it
        waiters.remove(List.of(a, b), fetch);
        assertThat(waiters.parkedCount()).isZero();
    }
}
