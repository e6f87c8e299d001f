package io.tributary.chaos.history;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the {@code retention} nemesis records a spell of short retention on the workload topic in
 * the history: a NEMESIS_START whose value is {@link #KIND} and whose detail begins
 * "retention.ms R", then its NEMESIS_STOP. From the start until the topic's configs are restored on
 * every node, each replica deletes its segments whose records are all older than R ms.
 */
public record RetentionRecord(long retentionMs) {
    public static final String KIND = "retention";
    private static final Pattern DETAIL = Pattern.compile("^retention\\.ms (\\d+)\\b");

    /** The fault description the nemesis gives. */
    public String describe(String more) {
        return "retention.ms " + retentionMs + " (" + more + ")";
    }

    /** The spell a start event records, if it is one. */
    public static Optional<RetentionRecord> of(HistoryEvent e) {
        if (e.type() != HistoryEvent.Type.NEMESIS_START || !KIND.equals(e.value())) {
            return Optional.empty();
        }
        Matcher m = DETAIL.matcher(e.detail());
        return m.find() ? Optional.of(new RetentionRecord(Long.parseLong(m.group(1)))) : Optional.empty();
    }
}
