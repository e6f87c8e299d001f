package io.tributary.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class FetchSessionsTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final FetchSessions sessions = new FetchSessions(2, 60_000, now::get, new Random(7));

    private static FetchSessions.Wanted wanted(int partition, long offset) {
        return new FetchSessions.Wanted("t", Uuid.ZERO_UUID, partition, offset, 1 << 20, -1);
    }

    private static FetchSessions.Key key(int partition) {
        return new FetchSessions.Key("t", partition);
    }

    private static FetchSessions.Answered quiet(long highWatermark) {
        return new FetchSessions.Answered(highWatermark, 0, highWatermark, false);
    }

    @Test
    void aSessionAnswersOnlyWhatChangedAndRemembersOffsets() {
        FetchSessions.Context initial = sessions.open(0, 0, List.of(wanted(0, 5), wanted(1, 7)), List.of());
        assertThat(initial.sessionId()).isPositive();
        assertThat(initial.incremental()).isFalse();
        assertThat(sessions.answer(initial, Map.of(key(0), quiet(5), key(1), quiet(7)))).containsExactly(key(0), key(1));

        // epoch 1 names nothing: both partitions are read at their remembered offsets; only news is answered
        FetchSessions.Context next = sessions.open(initial.sessionId(), 1, List.of(), List.of());
        assertThat(next.partitions()).extracting(FetchSessions.Wanted::fetchOffset).containsExactly(5L, 7L);
        assertThat(sessions.answer(next, Map.of(key(0), quiet(5), key(1), quiet(9)))).containsExactly(key(1));

        // epoch 2 moves partition 1's offset and forgets partition 0
        FetchSessions.Context third = sessions.open(initial.sessionId(), 2, List.of(wanted(1, 9)), List.of(key(0)));
        assertThat(third.partitions()).containsExactly(wanted(1, 9));
        FetchSessions.Answered records = new FetchSessions.Answered(9, 0, 9, true);
        assertThat(sessions.answer(third, Map.of(key(1), records))).containsExactly(key(1));
    }

    @Test
    void aWrongEpochOrAnUnknownSessionIsRefused() {
        FetchSessions.Context initial = sessions.open(0, 0, List.of(wanted(0, 0)), List.of());
        sessions.answer(initial, Map.of(key(0), quiet(0)));
        assertThat(sessions.open(initial.sessionId(), 2, List.of(), List.of()).error())
                .isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
        assertThat(sessions.open(initial.sessionId() + 1, 1, List.of(), List.of()).error())
                .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        assertThat(sessions.open(initial.sessionId(), 1, List.of(), List.of()).error()).isEqualTo(Errors.NONE);

        FetchSessions.Context closed = sessions.open(initial.sessionId(), FetchSessions.FINAL_EPOCH, List.of(wanted(0, 3)), List.of());
        assertThat(closed.sessionId()).isEqualTo(FetchSessions.NO_SESSION);
        assertThat(closed.partitions()).containsExactly(wanted(0, 3));
        assertThat(sessions.open(initial.sessionId(), 2, List.of(), List.of()).error())
                .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
    }

    @Test
    void aFullCacheEvictsOnlyAnIdleSessionAndOtherwiseFetchesWithoutOne() {
        int first = sessions.open(0, 0, List.of(wanted(0, 0)), List.of()).sessionId();
        now.addAndGet(10_000);
        int second = sessions.open(0, 0, List.of(wanted(1, 0)), List.of()).sessionId();
        assertThat(sessions.open(0, 0, List.of(wanted(2, 0)), List.of()).sessionId())
                .as("both sessions are in use").isEqualTo(FetchSessions.NO_SESSION);
        now.addAndGet(55_000); // the first has been idle 65 s, the second 55 s
        int third = sessions.open(0, 0, List.of(wanted(2, 0)), List.of()).sessionId();
        assertThat(third).isPositive().isNotIn(first, second);
        assertThat(sessions.open(first, 1, List.of(), List.of()).error()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        assertThat(sessions.size()).isEqualTo(2);
    }
}
