package io.tributary.broker.delayed;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.delayed.DelayedOperations.Watch;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DelayedOperationsTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final TopicPartition OTHER = new TopicPartition("t", 1);
    private final DelayedOperations delayed = new DelayedOperations();

    @AfterEach
    void close() {
        delayed.close();
    }

    @Test
    void waitersCompleteInOffsetOrderOnlyWhenTheirTargetIsReached() {
        CompletableFuture<ErrorCode> at5 = delayed.await(TP, Watch.ACKS_ALL, 5, DelayedOperations.NO_TIMEOUT, () -> 0);
        CompletableFuture<ErrorCode> at9 = delayed.await(TP, Watch.ACKS_ALL, 9, DelayedOperations.NO_TIMEOUT, () -> 0);
        CompletableFuture<ErrorCode> otherWatch = delayed.await(TP, Watch.DURABLE, 5, DelayedOperations.NO_TIMEOUT, () -> 0);
        CompletableFuture<ErrorCode> otherPartition = delayed.await(OTHER, Watch.ACKS_ALL, 5,
                DelayedOperations.NO_TIMEOUT, () -> 0);

        Runnable completion = delayed.complete(TP, Watch.ACKS_ALL, 7, ErrorCode.NONE);
        assertThat(at5).as("completed only when the owner runs the completion").isNotDone();
        completion.run();
        assertThat(at5).isCompletedWithValue(ErrorCode.NONE);
        assertThat(at9).isNotDone();
        assertThat(otherWatch).isNotDone();
        assertThat(otherPartition).isNotDone();
        assertThat(delayed.parkedCount(Watch.ACKS_ALL)).isEqualTo(2);

        delayed.completeAbove(TP, Watch.ACKS_ALL, 7, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND).run();
        assertThat(at9).isCompletedWithValue(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        delayed.complete(TP, Watch.DURABLE, 5, ErrorCode.NONE).run();
        assertThat(otherWatch).isCompletedWithValue(ErrorCode.NONE);
    }

    @Test
    void anOffsetReachedBeforeOrWhileRegisteringCompletesAtOnce() {
        assertThat(delayed.await(TP, Watch.HIGH_WATERMARK, 3, 1_000, () -> 3)).isCompletedWithValue(ErrorCode.NONE);
        long[] reads = {0};
        // the first read is below the target, the read after registering is not: the move in between counts
        CompletableFuture<ErrorCode> raced = delayed.await(TP, Watch.HIGH_WATERMARK, 3, DelayedOperations.NO_TIMEOUT,
                () -> reads[0]++ == 0 ? 2 : 3);
        assertThat(raced).isCompletedWithValue(ErrorCode.NONE);
        assertThat(delayed.parkedCount(Watch.HIGH_WATERMARK)).isZero();
    }

    @Test
    void aWaiterPastItsDeadlineTimesOutAndLeavesNothingParked() throws Exception {
        CompletableFuture<ErrorCode> waiting = delayed.await(TP, Watch.LOG_END, 10, 20, () -> 0);
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
        assertThat(delayed.parkedCount(Watch.LOG_END)).isZero();
        delayed.complete(TP, Watch.LOG_END, 10, ErrorCode.NONE).run();
        assertThat(waiting.get()).as("decided once").isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
    }

    @Test
    void forgettingAPartitionFailsItsWaitersProduceOnesIndefinitely() {
        CompletableFuture<ErrorCode> acks = delayed.await(TP, Watch.ACKS_ALL, 1, DelayedOperations.NO_TIMEOUT, () -> 0);
        CompletableFuture<ErrorCode> durable = delayed.await(TP, Watch.DURABLE, 1, DelayedOperations.NO_TIMEOUT, () -> 0);
        CompletableFuture<ErrorCode> fetch = delayed.await(TP, Watch.HIGH_WATERMARK, 1, DelayedOperations.NO_TIMEOUT, () -> 0);
        delayed.forget(TP);
        // the appended records may be on other replicas: a definite error would tell the producer otherwise
        assertThat(acks).isCompletedWithValue(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        assertThat(durable).isCompletedWithValue(ErrorCode.STORAGE_ERROR);
        assertThat(fetch).isCompletedWithValue(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
}
