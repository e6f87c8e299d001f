package io.tributary.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.chaos.history.HistoryEvent.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryRoundTripTest {

    @Test
    void everyEventTypeSurvivesALine() {
        for (Type type : Type.values()) {
            HistoryEvent event = new HistoryEvent(123_456_789L, "p3", type, 2, "p3-17", 42, "NOT_LEADER node 2");

            assertThat(HistoryEvent.parse(event.toLine())).isEqualTo(event);
        }
    }

    @Test
    void emptyFieldsAndSeparatorsInTheDetailSurvive() {
        HistoryEvent event = new HistoryEvent(0, "node1", Type.NODE_LOG, -1, null, -1, "ERROR x\tat y\nat z\r");

        HistoryEvent parsed = HistoryEvent.parse(event.toLine());

        assertThat(parsed).isEqualTo(event);
        assertThat(parsed.value()).isEmpty();
        assertThat(parsed.detail()).isEqualTo("ERROR x at y at z ");
    }

    @Test
    void lineWithTheWrongNumberOfFieldsIsRejected() {
        assertThatThrownBy(() -> HistoryEvent.parse("1\tp0\tOK\t0\tv\t3"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("6 fields");
    }

    @Test
    void fileSurvivesWriteAndReadsBackInTimeOrder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("history.tsv");
        // stamped before the run began: written second, read back first
        HistoryEvent appended = new HistoryEvent(-5, "c0", Type.READ, 1, "p0-1", 7, "");
        try (History history = History.create(file)) {
            history.record("p0", Type.INVOKE, 1, "p0-1", -1, "");
            history.append(appended);
            history.record(HistoryEvent.NEMESIS, Type.NEMESIS_START, -1, "kill", -1, "node\t2");
            history.flush();
        }

        List<HistoryEvent> events = History.read(file);

        assertThat(Files.readAllLines(file).get(0)).isEqualTo(History.HEADER);
        assertThat(events).hasSize(3);
        assertThat(events.get(0)).isEqualTo(appended);
        assertThat(events.get(1)).extracting(HistoryEvent::process, HistoryEvent::type, HistoryEvent::partition,
                HistoryEvent::value, HistoryEvent::offset).containsExactly("p0", Type.INVOKE, 1, "p0-1", -1L);
        assertThat(events.get(1).timeNanos()).isNotNegative();
        assertThat(events.get(2).detail()).isEqualTo("node 2");
    }
}
