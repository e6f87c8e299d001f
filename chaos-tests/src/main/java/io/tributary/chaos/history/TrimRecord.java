package io.tributary.chaos.history;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the {@code trim} nemesis records a DeleteRecords request in the history: a NEMESIS_START
 * whose value is {@link #KIND} and whose detail begins "partition P below O", O being the offset
 * asked for. Records below O may be gone from then on, whatever the request's outcome (a request
 * that timed out may still have been applied).
 */
public record TrimRecord(int partition, long below) {
    public static final String KIND = "trim";
    private static final Pattern DETAIL = Pattern.compile("^partition (\\d+) below (\\d+)\\b");

    /** The fault description the nemesis gives; {@code outcome} follows in parentheses. */
    public String describe(String outcome) {
        return "partition " + partition + " below " + below + " (" + outcome + ")";
    }

    /** The trim an event records, if it is one. */
    public static Optional<TrimRecord> of(HistoryEvent e) {
        if (e.type() != HistoryEvent.Type.NEMESIS_START || !KIND.equals(e.value())) {
            return Optional.empty();
        }
        Matcher m = DETAIL.matcher(e.detail());
        return m.find() ? Optional.of(new TrimRecord(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2))))
                : Optional.empty();
    }
}
