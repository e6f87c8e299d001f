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

    @Test
    void anElectionUnderWayExtendsAValidLeaseFromTheProbesSendTime() {
        BrokerLease lease = new BrokerLease(SESSION, 5 * SESSION);
        lease.onHeartbeatAnswer(0, false);
        long probe = SESSION - 100;
        assertThat(lease.onElectionUnderWay(probe, 500)).isTrue();
        assertThat(lease.isValid(SESSION + 399)).isTrue();
        assertThat(lease.isExtendedByElection(SESSION + 1)).isTrue();
        assertThat(lease.isValid(probe + 500)).isFalse();
        assertThat(lease.onElectionUnderWay(probe - 50, 500)).as("an older probe never shortens it").isFalse();
        assertThat(lease.isValid(probe + 499)).isTrue();
    }

    @Test
    void aLeaseThatLapsedBeforeTheProbeIsNotRevived() {
        BrokerLease lease = new BrokerLease(SESSION, 5 * SESSION);
        lease.onHeartbeatAnswer(0, false);
        assertThat(lease.onElectionUnderWay(SESSION, 500)).isFalse();
        assertThat(lease.isValid(SESSION + 1)).isFalse();
    }

    @Test
    void electionExtensionsStopAtTheMaximumPastTheLastHeartbeat() {
        BrokerLease lease = new BrokerLease(SESSION, 2 * SESSION);
        lease.onHeartbeatAnswer(0, false);
        long probe = SESSION - 1;
        while (lease.onElectionUnderWay(probe, SESSION / 2)) {
            probe += SESSION / 4;
        }
        assertThat(lease.isValid(3 * SESSION - 1)).isTrue();
        assertThat(lease.isValid(3 * SESSION)).as("at most the maximum past the heartbeat's expiry").isFalse();
    }

    @Test
    void aHeartbeatAnswerAfterAnExtensionTakesOverAndAFenceEndsIt() {
        BrokerLease lease = new BrokerLease(SESSION, 5 * SESSION);
        lease.onHeartbeatAnswer(0, false);
        lease.onElectionUnderWay(SESSION - 1, SESSION / 2);
        lease.onHeartbeatAnswer(SESSION + 10, false); // the new controller answers
        assertThat(lease.isExtendedByElection(SESSION + 20)).isFalse();
        assertThat(lease.isValid(2 * SESSION + 9)).isTrue();
        lease.onHeartbeatAnswer(SESSION + 20, true);
        assertThat(lease.isValid(SESSION + 21)).isFalse();
    }

    @Test
    void afterALapseTheLeaseCountsOnlyOnceThisNodesMetadataReachesTheControllers() {
        BrokerLease lease = new BrokerLease(SESSION);
        lease.onHeartbeatAnswer(0, false, 40, 1);
        assertThat(lease.isValid(2, 40)).isTrue();
        lease.onHeartbeatAnswer(SESSION / 2, false, 55, SESSION / 2 + 1);
        assertThat(lease.isValid(SESSION / 2 + 2, 41)).as("no lapse: no new requirement").isTrue();

        long lapsed = 3 * SESSION; // cut off: the lease ran out, partitions may have moved meanwhile
        assertThat(lease.isValid(lapsed, 41)).isFalse();
        lease.onHeartbeatAnswer(lapsed, false, 90, lapsed + 1);
        assertThat(lease.isValid(lapsed + 2, 89)).as("its metadata may still name it leader").isFalse();
        assertThat(lease.isValid(lapsed + 2, 90)).isTrue();
    }
}
