package io.tributary.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.chaos.checker.Availability.FaultOccurrence;
import io.tributary.chaos.checker.Availability.KindSummary;
import io.tributary.chaos.checker.Availability.Window;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class AvailabilityTest {
    private static final long MS = 1_000_000;

    /** Acknowledgements at the given times (ms). */
    private static HistoryBuilder oksAt(HistoryBuilder history, double... millis) {
        for (double ms : millis) {
            history.at(ms).ok("p0", 0, "p0-" + ms, 0);
        }
        return history;
    }

    /** Acks every 10 ms, a kill from 35 to 100 ms, acks again from 150 ms, a second kill from 175 to 210 ms. */
    private static HistoryBuilder twoKills() {
        HistoryBuilder history = oksAt(new HistoryBuilder(), 0, 10, 20, 30);
        history.at(35).nemesisStart("kill", "node2").at(100).nemesisStop("kill");
        oksAt(history, 150, 160, 170);
        history.at(175).nemesisStart("kill", "node1").at(210).nemesisStop("kill");
        return oksAt(history, 230, 240);
    }

    @Test
    void longestOutageSpansTheFault() {
        Availability availability = Availability.of(twoKills().build());

        assertThat(availability.longestOutage()).contains(new Window(30 * MS, 150 * MS, true));
        assertThat(availability.longestOutage().orElseThrow().durationMs()).isEqualTo(120.0);
    }

    @Test
    void eachFaultHasItsStallAndRecovery() {
        Availability availability = Availability.of(twoKills().build());

        assertThat(availability.occurrences()).containsExactly(
                new FaultOccurrence("kill", "node2", 35 * MS, OptionalLong.of(100 * MS), 120 * MS, 120 * MS, true,
                        OptionalLong.of(50 * MS)),
                new FaultOccurrence("kill", "node1", 175 * MS, OptionalLong.of(210 * MS), 60 * MS, 60 * MS, true,
                        OptionalLong.of(20 * MS)));
        assertThat(availability.occurrences().get(0).recoveryMs()).hasValue(50.0);
        assertThat(availability.byKind()).containsExactly(
                new KindSummary("kill", 2, 120 * MS, OptionalLong.of(50 * MS), OptionalLong.of(35 * MS), 0, 2,
                        OptionalLong.of(120 * MS), OptionalLong.of(120 * MS)));
    }

    @Test
    void faultsOfDifferentKindsAreSummarizedApart() {
        HistoryBuilder history = twoKills();
        history.at(250).nemesisStart("pause", "node3").at(260).nemesisStop("pause");
        oksAt(history, 263);

        Availability availability = Availability.of(history.build());

        assertThat(availability.byKind()).extracting(KindSummary::kind).containsExactly("kill", "pause");
        assertThat(availability.byKind().get(1))
                .isEqualTo(new KindSummary("pause", 1, 23 * MS, OptionalLong.of(3 * MS), OptionalLong.of(3 * MS), 0, 1,
                        OptionalLong.of(23 * MS), OptionalLong.of(23 * MS)));
    }

    @Test
    void aPartitionThatStallsWhileOthersGoOnIsMeasuredApart() {
        HistoryBuilder history = new HistoryBuilder();
        for (int ms = 0; ms <= 100; ms += 10) { // partition 1 never stops; partition 0 acks nothing from 21 to 91
            history.at(ms).ok("p0", 1, "p0-1-" + ms, ms);
            if (ms <= 20 || ms >= 90) {
                history.ok("p0", 0, "p0-0-" + ms, ms); // 1 ms later
            }
            if (ms == 20) {
                history.at(25).nemesisStart("kill", "node1");
            } else if (ms == 60) {
                history.at(65).nemesisStop("kill");
            }
        }

        FaultOccurrence fault = Availability.of(history.build()).occurrences().get(0);

        assertThat(fault.stallNanos()).isLessThanOrEqualTo(10 * MS);
        assertThat(fault.partitionStallNanos()).isEqualTo(70 * MS); // 21 to 91
    }

    @Test
    void faultsAtTheSameTimeAreNotAlone() {
        HistoryBuilder history = oksAt(new HistoryBuilder(), 0, 10);
        history.at(20).nemesisStart("kill", "node1").at(25).nemesisStart("partition-leader", "[2] | [1, 3]")
                .at(40).nemesisStop("partition-leader").at(45).nemesisStop("kill");
        oksAt(history, 60);
        history.at(70).nemesisStart("pause", "node2").at(80).nemesisStop("pause");
        oksAt(history, 85);

        Availability availability = Availability.of(history.build());

        assertThat(availability.occurrences()).extracting(FaultOccurrence::kind, FaultOccurrence::alone)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("kill", false),
                        org.assertj.core.groups.Tuple.tuple("partition-leader", false),
                        org.assertj.core.groups.Tuple.tuple("pause", true));
        assertThat(availability.byKind().get(0).maxStallAloneNanos()).isEmpty();
        assertThat(availability.report()).contains("under a single fault, the longest stall of one partition: 25.0 ms (pause node2");
    }

    @Test
    void restartTimesAreReported() {
        HistoryBuilder history = oksAt(new HistoryBuilder(), 0);
        history.nodeReady(1, 4200).nodeReady(2, 3100).nodeReady(3, 9000);

        Availability availability = Availability.of(history.build());

        assertThat(availability.restartMillis()).containsExactly(3100, 4200, 9000);
        assertThat(availability.report()).contains("nodes started again by heals: 3, ready after median 4200 ms, max 9000 ms");
    }

    @Test
    void noAckAfterTheHealNeverRecovers() {
        HistoryBuilder history = oksAt(new HistoryBuilder(), 0, 10);
        history.at(20).nemesisStart("partition-halves", "{1,2} {3}").at(50).nemesisStop("partition-halves");
        history.at(80).invoke("p0", 0, "late").info("p0", 0, "late"); // the workload ends at 81 ms
        history.at(500).finalLog(0, "p0-0.0"); // the final drain does not stretch the stall

        Availability availability = Availability.of(history.build());

        FaultOccurrence fault = availability.occurrences().get(0);
        assertThat(fault.recoveryNanos()).isEmpty();
        assertThat(fault.stallNanos()).isEqualTo(71 * MS);
        assertThat(availability.longestOutage()).contains(new Window(10 * MS, 81 * MS, false));
        assertThat(availability.byKind().get(0).neverRecovered()).isEqualTo(1);
        assertThat(availability.report()).contains("no acknowledgement until the end", "never");
    }

    @Test
    void faultNeverHealedHasNoStopNorRecovery() {
        HistoryBuilder history = oksAt(new HistoryBuilder(), 0, 10);
        history.at(20).nemesisStart("pause", "node1");
        oksAt(history, 40);

        FaultOccurrence fault = Availability.of(history.build()).occurrences().get(0);

        assertThat(fault.stopNanos()).isEmpty();
        assertThat(fault.recoveryNanos()).isEmpty();
        assertThat(fault.stallNanos()).isEqualTo(30 * MS);
    }

    @Test
    void reportIsATablePerFaultKind() {
        String report = Availability.of(twoKills().build()).report();

        assertThat(report)
                .contains("longest stretch without an acknowledged send: 120.0 ms, from 30.0 to 150.0")
                .containsPattern("kill +2 +2 +120\\.0 +120\\.0 +120\\.0 +50\\.0 +35\\.0 +0")
                .containsPattern("1 +35\\.0 +100\\.0 +120\\.0 +120\\.0 +50\\.0 +node2")
                .containsPattern("2 +175\\.0 +210\\.0 +60\\.0 +60\\.0 +20\\.0 +node1");
    }

    @Test
    void historyWithoutAcksOrFaults() {
        Availability availability = Availability.of(new HistoryBuilder().invoke("p0", 0, "x").build());

        assertThat(availability.longestOutage()).isEmpty();
        assertThat(availability.occurrences()).isEmpty();
        assertThat(availability.report()).contains("none (nothing acknowledged)", "no faults");
    }
}
