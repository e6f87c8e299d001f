package io.tributary.broker.log;

import io.tributary.broker.log.JournalReplay.BatchAction;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The rule replay applies to each journaled batch, given the log the segments gave back. */
class JournalReplayTest {
    @Test
    void aBatchTheSegmentsKeptIsSkipped() {
        assertThat(JournalReplay.actionFor(0, 4, 0, 10)).isEqualTo(BatchAction.SKIP);
        assertThat(JournalReplay.actionFor(5, 9, 0, 10)).isEqualTo(BatchAction.SKIP);
    }

    @Test
    void aBatchAtOrPastTheLogEndIsAppended() {
        assertThat(JournalReplay.actionFor(10, 12, 0, 10)).isEqualTo(BatchAction.APPEND);
        assertThat(JournalReplay.actionFor(15, 16, 0, 10)).as("after a compacted gap").isEqualTo(BatchAction.APPEND);
    }

    @Test
    void anEmptyLogStartingInsideABatchTakesItWhole() {
        assertThat(JournalReplay.actionFor(5, 9, 7, 7)).isEqualTo(BatchAction.APPEND);
    }

    @Test
    void aBatchStraddlingTheEndOfANonEmptyLogContradictsTheSegments() {
        assertThat(JournalReplay.actionFor(8, 12, 0, 10)).isEqualTo(BatchAction.CONFLICT);
    }

    @Test
    void anAppendIsReplayedOnlyOntoALogThatStillReachesTheEndItContinued() {
        assertThat(JournalReplay.continuesLog(10, 10)).isTrue();
        assertThat(JournalReplay.continuesLog(10, 14)).as("the segments kept more").isTrue();
        assertThat(JournalReplay.continuesLog(10, 7)).as("offsets 7-9 are gone: a hole").isFalse();
    }
}
