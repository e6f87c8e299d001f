package io.tributary.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProduceDispatcherSequenceTest {
    @Test
    void sequencesAdvanceByRecordCountAndWrapToZero() {
        assertThat(ProduceDispatcher.nextSequence(0, 5)).isEqualTo(5);
        assertThat(ProduceDispatcher.nextSequence(Integer.MAX_VALUE - 2, 2)).isEqualTo(Integer.MAX_VALUE);
        assertThat(ProduceDispatcher.nextSequence(Integer.MAX_VALUE - 2, 3)).isZero();
        assertThat(ProduceDispatcher.nextSequence(Integer.MAX_VALUE, 10)).isEqualTo(9);
    }
}
