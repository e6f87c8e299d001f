package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;

/** CRASH: every suspicious node log line the harness collected (a NODE_LOG event) counts once. */
final class CrashChecks {
    /** Log lines can carry whole stack traces; an example only needs to say which line to look for. */
    private static final int MAX_LINE_CHARS = 200;

    private CrashChecks() {
    }

    static void run(Iterable<HistoryEvent> history, Findings out) {
        for (HistoryEvent e : history) {
            if (e.type() == HistoryEvent.Type.NODE_LOG) {
                String line = e.detail().length() <= MAX_LINE_CHARS ? e.detail()
                        : e.detail().substring(0, MAX_LINE_CHARS) + "...";
                out.add(Anomaly.CRASH, e.process() + ": " + line);
            }
        }
    }
}
