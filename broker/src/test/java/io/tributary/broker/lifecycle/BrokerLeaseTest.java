package io.tributary.broker.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BrokerLeaseTest {
    private static final long SESSION = 1_500_000_000L;

    @Test
    void anUnfencedAnswerGrantsTheLeaseFromTheHeartbeatsSendTime() {
        BrokerLease lease = new BrokerLease(SESSION);
        assertThat(lease.isValid(0)).as("none before the first answer").isFalse();

        lease.onHeartbeatAnswer(1_000, false);

        assertThat(lease.isValid(1_000 + SESSION - 1)).isTrue();
        assertThat(lease.isValid(1_000 + SESSION)).as("the controller may fence it from here on").isFalse();
        assertThat(lease.expiredForNanos(1_000 + SESSION + 5)).isEqualTo(5);
    }

    @Test
    void aLateAnswerToAnOldHeartbeatNeverShortensTheLease() {
        BrokerLease lease = new BrokerLease(SESSION);
        lease.onHeartbeatAnswer(2_000, false);
        lease.onHeartbeatAnswer(1_000, false);
        assertThat(lease.isValid(2_000 + SESSION - 1)).isTrue();
    }

    @Test
    void aFencedAnswerEndsTheLeaseAtOnce() {
        BrokerLease lease = new BrokerLease(SESSION);
        lease.onHeartbeatAnswer(1_000, false);
        lease.onHeartbeatAnswer(2_000, true);
        assertThat(lease.isValid(2_001)).isFalse();
        lease.onHeartbeatAnswer(3_000, false);
        assertThat(lease.isValid(3_001)).isTrue();
    }
}
