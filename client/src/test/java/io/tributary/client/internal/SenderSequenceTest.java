package io.tributary.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SenderSequenceTest {
    @Test
    void sequencesAdvanceByRecordCountAndWrapToZero() {
        assertThat(Sender.nextSequence(0, 5)).isEqualTo(5);
        assertThat(Sender.nextSequence(Integer.MAX_VALUE - 2, 2)).isEqualTo(Integer.MAX_VALUE);
        assertThat(Sender.nextSequence(Integer.MAX_VALUE - 2, 3)).isZero();
        assertThat(Sender.nextSequence(Integer.MAX_VALUE, 10)).isEqualTo(9);
    }
}
