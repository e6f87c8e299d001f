package io.tributary.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.chaos.history.HistoryEvent;
import io.tributary.chaos.history.HistoryEvent.Type;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactionChecksTest {
    private final List<HistoryEvent> history = new ArrayList<>();
    private long time;

    private void acked(String value, long offset) {
        history.add(new HistoryEvent(time++, "p4", Type.INVOKE, 0, value, -1, ""));
        history.add(new HistoryEvent(time++, "p4", Type.OK, 0, value, offset, ""));
    }

    private void finalRead(String value, long offset) {
        history.add(new HistoryEvent(time++, HistoryEvent.FINAL, Type.READ, 0, value, offset, ""));
    }

    @Test
    void aCompactedLogHoldingTheLatestRecordOfEveryKeyIsValid() {
        acked("key-0:p4-0", 0);
        acked("key-1:p4-1", 1);
        acked("key-0:p4-2", 2);
        finalRead("key-1:p4-1", 1);
        finalRead("key-0:p4-2", 2);

        CompactionChecks.Result result = CompactionChecks.check(history);

        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(List.of(result.acked(), result.finalRecords(), result.keys())).containsExactly(3, 2, 2);
    }

    @Test
    void aKeyWhoseLatestAcknowledgedRecordIsGoneIsLost() {
        acked("key-0:p4-0", 0);
        acked("key-0:p4-1", 1);
        finalRead("key-0:p4-0", 0); // compaction kept the older one: wrong

        CompactionChecks.Result result = CompactionChecks.check(history);

        assertThat(result.valid()).isFalse();
        assertThat(result.lostLatest()).containsExactly(
                "partition/key 0/key-0: acknowledged at offset 1, the final log's latest is at offset 0");
    }

    @Test
    void valuesAtOtherOffsetsOrNeverSentAreAnomalies() {
        acked("key-0:p4-0", 0);
        finalRead("key-0:p4-0", 3);
        finalRead("key-9:p9-9", 4);

        CompactionChecks.Result result = CompactionChecks.check(history);

        assertThat(result.wrongOffset()).containsExactly("'key-0:p4-0' acknowledged at offset 0 but read at 3");
        assertThat(result.invented()).hasSize(1);
        assertThat(result.report()).contains("INVALID");
    }

    private static ReplicaDump replica(int node, boolean inIsr, long highWatermark, Object... offsetsAndValues) {
        java.util.TreeMap<Long, String> records = new java.util.TreeMap<>();
        for (int i = 0; i < offsetsAndValues.length; i += 2) {
            records.put(((Number) offsetsAndValues[i]).longValue(), (String) offsetsAndValues[i + 1]);
        }
        return new ReplicaDump(node, 0, inIsr, highWatermark, records);
    }

    /** Offsets 0 (key-0), 1 (key-1), 2 (key-0) acknowledged; the final log holds 1 and 2. */
    private void keyZeroWrittenTwiceAndKeyOneOnceThenCompacted() {
        acked("key-0:p4-0", 0);
        acked("key-1:p4-1", 1);
        acked("key-0:p4-2", 2);
        finalRead("key-1:p4-1", 1);
        finalRead("key-0:p4-2", 2);
    }

    @Test
    void replicasCleanedToDifferentDegreesAgreeWhereTheyOverlap() {
        keyZeroWrittenTwiceAndKeyOneOnceThenCompacted();

        CompactionChecks.Result result = CompactionChecks.check(history, List.of(
                replica(1, true, 3, 1, "key-1:p4-1", 2, "key-0:p4-2"),
                replica(2, true, 3, 0, "key-0:p4-0", 1, "key-1:p4-1", 2, "key-0:p4-2"), // not cleaned yet
                replica(3, false, 3, 0, "key-0:p4-0"))); // behind, out of the ISR

        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(result.replicasCompared()).isEqualTo(3);
    }

    @Test
    void replicasHoldingOtherValuesAtAnOffsetOrAnInSyncReplicaLackingALatestRecordDiverge() {
        keyZeroWrittenTwiceAndKeyOneOnceThenCompacted();

        CompactionChecks.Result result = CompactionChecks.check(history, List.of(
                replica(1, true, 3, 1, "key-1:p4-1", 2, "key-0:p4-2"),
                replica(2, true, 3, 1, "key-1:p4-1", 2, "key-0:p4-0"), // another record at offset 2
                replica(3, true, 3, 2, "key-0:p4-2"))); // cleaned away key-1's only record

        assertThat(result.valid()).isFalse();
        assertThat(result.divergentReplicas()).containsExactly(
                "partition 0 offset 2: [key-0:p4-2, key-0:p4-0]",
                "partition 0: node 3 (in the ISR) lacks key key-1's latest record, offset 1");
    }
}
