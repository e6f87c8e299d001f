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
                new FaultOccurrence("kill", "node2", 35 * MS, OptionalLong.of(100 * MS), 120 * MS, OptionalLong.of(50 * MS)),
                new FaultOccurrence("kill", "node1", 175 * MS, OptionalLong.of(210 * MS), 60 * MS, OptionalLong.of(20 * MS)));
        assertThat(availability.occurrences().get(0).recoveryMs()).hasValue(50.0);
        assertThat(availability.byKind()).containsExactly(
                new KindSummary("kill", 2, 120 * MS, OptionalLong.of(50 * MS), OptionalLong.of(35 * MS), 0));
    }

    @Test
    void faultsOfDifferentKindsAreSummarizedApart() {
        HistoryBuilder history = twoKills();
        history.at(250).nemesisStart("pause", "node3").at(260).nemesisStop("pause");
        oksAt(history, 263);

        Availability availability = Availability.of(history.build());

        assertThat(availability.byKind()).extracting(KindSummary::kind).containsExactly("kill", "pause");
        assertThat(availability.byKind().get(1))
                .isEqualTo(new KindSummary("pause", 1, 23 * MS, OptionalLong.of(3 * MS), OptionalLong.of(3 * MS), 0));
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
                .containsPattern("kill +2 +120\\.0 +50\\.0 +35\\.0 +0")
                .containsPattern("1 +35\\.0 +100\\.0 +120\\.0 +50\\.0 +node2")
                .containsPattern("2 +175\\.0 +210\\.0 +60\\.0 +20\\.0 +node1");
    }

    @Test
    void historyWithoutAcksOrFaults() {
        Availability availability = Availability.of(new HistoryBuilder().invoke("p0", 0, "x").build());

        assertThat(availability.longestOutage()).isEmpty();
        assertThat(availability.occurrences()).isEmpty();
        assertThat(availability.report()).contains("none (nothing acknowledged)", "no faults");
    }
}
