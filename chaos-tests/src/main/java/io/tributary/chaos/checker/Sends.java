package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every producer send of a history, by value. The first completion of a value decides its outcome
 * (the workload records exactly one); a send the run ended before completing stays UNKNOWN, like
 * an INFO, because it may or may not have been written.
 */
final class Sends {
    private final List<Send> all;

    private Sends(List<Send> all) {
        this.all = List.copyOf(all);
    }

    static Sends from(List<HistoryEvent> history) {
        Map<String, Draft> drafts = new LinkedHashMap<>();
        for (int i = 0; i < history.size(); i++) {
            HistoryEvent e = history.get(i);
            switch (e.type()) {
                case INVOKE, OK, FAIL, INFO -> {
                    Draft draft = drafts.computeIfAbsent(e.value(), v -> new Draft());
                    draft.observe(e, i);
                }
                default -> { }
            }
        }
        List<Send> sends = new ArrayList<>();
        drafts.forEach((value, draft) -> sends.add(draft.toSend(value)));
        return new Sends(sends);
    }

    /** Every send, in the order its value first appeared. */
    List<Send> all() {
        return all;
    }

    List<Send> withOutcome(Send.Outcome outcome) {
        return all.stream().filter(s -> s.outcome() == outcome).toList();
    }

    List<Send> ok() {
        return withOutcome(Send.Outcome.OK);
    }

    private static final class Draft {
        private String process;
        private int partition;
        private long invokeOrder = -1;
        private Send.Outcome outcome = Send.Outcome.UNKNOWN;
        private boolean completed;
        private long completionNanos = -1;
        private long completionOrder = -1;
        private long ackOffset = -1;

        void observe(HistoryEvent e, int index) {
            if (process == null || e.type() == HistoryEvent.Type.INVOKE) {
                process = e.process();
                partition = e.partition();
                invokeOrder = index;
            }
            if (e.type() == HistoryEvent.Type.INVOKE || completed) {
                return;
            }
            completed = true;
            completionNanos = e.timeNanos();
            completionOrder = index;
            outcome = switch (e.type()) {
                case OK -> Send.Outcome.OK;
                case FAIL -> Send.Outcome.FAIL;
                default -> Send.Outcome.UNKNOWN;
            };
            ackOffset = outcome == Send.Outcome.OK ? e.offset() : -1;
        }

        Send toSend(String value) {
            return new Send(value, process, partition, invokeOrder, outcome, completionNanos, completionOrder, ackOffset);
        }
    }
}
