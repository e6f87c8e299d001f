package io.tributary.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupChecksTest {
    /** Partition 0 holds a0..a5; g0 reads 0-2 and commits 3, hands over to g1, which reads 3-5 and commits 6. */
    private static HistoryBuilder cleanHandOver() {
        return new HistoryBuilder()
                .assigned("g0", 0)
                .reads("g0", 0, 0, "a0", "a1", "a2")
                .commit("g0", 0, 3)
                .revoked("g0", 0)
                .assigned("g1", 0)
                .reads("g1", 0, 3, "a3", "a4", "a5")
                .commit("g1", 0, 6)
                .groupFinal(0, 6)
                .finalLog(0, "a0", "a1", "a2", "a3", "a4", "a5");
    }

    private static Map<Anomaly, Integer> found(HistoryBuilder history) {
        Findings findings = new Findings();
        List<io.tributary.chaos.history.HistoryEvent> events = history.build();
        GroupChecks.run(events, FinalLog.from(events), Trims.from(events), findings);
        Map<Anomaly, Integer> out = new EnumMap<>(Anomaly.class);
        findings.toResult(new CheckResult.Totals(0, 0, 0, 0, 0, new java.util.TreeMap<>())).counts().forEach((a, n) -> {
            if (n > 0) {
                out.put(a, n);
            }
        });
        return out;
    }

    @Test
    void aCleanHandOverIsValid() {
        assertThat(found(cleanHandOver())).isEmpty();
    }

    @Test
    void twoMembersReadingAPartitionAtOnceAreWrongOwners() {
        HistoryBuilder history = new HistoryBuilder()
                .assigned("g0", 0)
                .read("g0", 0, 0, "a0")
                .assigned("g1", 0)
                .read("g1", 0, 1, "a1") // g0 has not given it up and reads on
                .read("g0", 0, 1, "a1")
                .finalLog(0, "a0", "a1");
        assertThat(found(history)).containsEntry(Anomaly.WRONG_OWNER, 1);
    }

    @Test
    void aReadWithoutTheGroupGivingThePartitionIsAWrongOwner() {
        HistoryBuilder history = new HistoryBuilder().assigned("g0", 0).read("g0", 0, 0, "a0").revoked("g0", 0)
                .read("g0", 0, 1, "a1").finalLog(0, "a0", "a1");
        assertThat(found(history)).containsEntry(Anomaly.WRONG_OWNER, 1);
    }

    @Test
    void aCommitGoingBackOrLostRegressesTheGroupOffset() {
        HistoryBuilder back = new HistoryBuilder().assigned("g0", 0).reads("g0", 0, 0, "a0", "a1").commit("g0", 0, 2)
                .commit("g1", 0, 1).groupFinal(0, 2).finalLog(0, "a0", "a1");
        assertThat(found(back)).containsEntry(Anomaly.GROUP_OFFSET_REGRESSED, 1);
        HistoryBuilder lost = new HistoryBuilder().assigned("g0", 0).reads("g0", 0, 0, "a0", "a1").commit("g0", 0, 2)
                .groupFinal(0, 1).finalLog(0, "a0", "a1");
        assertThat(found(lost)).containsEntry(Anomaly.GROUP_OFFSET_REGRESSED, 1);
    }

    @Test
    void aRecordBelowTheCommittedOffsetThatNoMemberReadIsSkipped() {
        HistoryBuilder history = new HistoryBuilder()
                .assigned("g0", 0).reads("g0", 0, 0, "a0", "a1").commit("g0", 0, 2).revoked("g0", 0)
                .assigned("g1", 0).reads("g1", 0, 3, "a3").commit("g1", 0, 4) // a2 never read
                .groupFinal(0, 4).finalLog(0, "a0", "a1", "a2", "a3");
        assertThat(found(history)).containsEntry(Anomaly.GROUP_SKIP, 1);
    }

    @Test
    void aMemberSkippingWithinItsOwnershipIsAPollSkip() {
        HistoryBuilder history = new HistoryBuilder().assigned("g0", 0).read("g0", 0, 0, "a0").read("g0", 0, 2, "a2")
                .finalLog(0, "a0", "a1", "a2");
        assertThat(found(history)).containsEntry(Anomaly.POLL_SKIP, 1);
    }
}
