package io.tributary.chaos.checker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks of what producers were told against what the log holds: LOST_WRITE and UNSEEN (an
 * acknowledged value missing), WRONG_ACKED_OFFSET, FAILED_BUT_PRESENT and NONMONOTONIC_SEND.
 * Unknown outcomes are never missing: only a duplicate of one is an anomaly (the position checks).
 */
final class WriteChecks {
    private final Sends sends;
    private final FinalLog log;
    private final Set<String> readValues;
    private final Trims trims;
    private final Findings out;

    private WriteChecks(Sends sends, FinalLog log, Set<String> readValues, Trims trims, Findings out) {
        this.sends = sends;
        this.log = log;
        this.readValues = readValues;
        this.trims = trims;
        this.out = out;
    }

    /** @param readValues every value any READ returned, the final drain's included */
    static void run(Sends sends, FinalLog log, Set<String> readValues, Trims trims, Findings out) {
        WriteChecks checks = new WriteChecks(sends, log, readValues, trims, out);
        checks.lostOrUnseen();
        checks.wrongAckedOffsets();
        checks.failedButPresent();
        checks.nonmonotonicSends();
    }

    /**
     * An acknowledged value missing from its partition is lost if something acknowledged at a higher
     * offset, or acknowledged after it, is there: the log moved past it. Otherwise only a stale tail
     * is missing, and it is unseen.
     */
    private void lostOrUnseen() {
        if (!log.drained()) {
            return;
        }
        Map<Integer, Send> highestPresent = new HashMap<>();
        Map<Integer, Send> latestPresent = new HashMap<>();
        for (Send s : sends.ok()) {
            if (log.contains(s.partition(), s.value())) {
                highestPresent.merge(s.partition(), s, (a, b) -> b.ackOffset() > a.ackOffset() ? b : a);
                latestPresent.merge(s.partition(), s, (a, b) -> a.completedBefore(b) ? b : a);
            }
        }
        for (Send s : sends.ok()) {
            if (log.contains(s.partition(), s.value()) || trims.mayBeDeleted(s.partition(), s.ackOffset())) {
                continue;
            }
            Send higher = highestPresent.get(s.partition());
            Send later = latestPresent.get(s.partition());
            String missing = s.value() + " acked to " + s.process() + " at " + s.ackPosition() + " is missing";
            if (higher != null && higher.ackOffset() > s.ackOffset()) {
                out.add(Anomaly.LOST_WRITE, missing + ", while " + higher.value() + " acked at "
                        + higher.ackPosition() + " is present");
            } else if (later != null && s.completedBefore(later)) {
                out.add(Anomaly.LOST_WRITE, missing + ", while " + later.value() + ", acked after it at "
                        + Millis.format(later.completionNanos()) + " ms, is present");
            } else {
                out.add(Anomaly.UNSEEN, missing + " (stale tail: the final log of partition " + s.partition()
                        + " ends at " + log.endOffset(s.partition()) + ")");
            }
        }
    }

    /**
     * A negative acknowledged offset, or one beyond the end of the final log although the value is
     * in it. A missing value acknowledged beyond the end is not counted here: its offset was possible
     * when given, and the loss is already LOST_WRITE or UNSEEN.
     */
    private void wrongAckedOffsets() {
        for (Send s : sends.ok()) {
            if (s.ackOffset() < 0) {
                out.add(Anomaly.WRONG_ACKED_OFFSET, s.value() + " acked to " + s.process() + " at offset "
                        + s.ackOffset() + " of partition " + s.partition());
            } else if (!log.isPossibleOffset(s.partition(), s.ackOffset()) && log.containsAnywhere(s.value())) {
                out.add(Anomaly.WRONG_ACKED_OFFSET, s.value() + " acked to " + s.process() + " at "
                        + s.ackPosition() + ", beyond the log end " + log.endOffset(s.partition()) + where(s));
            }
        }
    }

    private String where(Send s) {
        Long at = log.offsetOf(s.partition(), s.value());
        return at == null ? "" : " (it sits at " + new Position(s.partition(), at) + ")";
    }

    /** A definite error promises the value was not written; any read of it breaks the promise. */
    private void failedButPresent() {
        for (Send s : sends.withOutcome(Send.Outcome.FAIL)) {
            if (readValues.contains(s.value())) {
                String seen = log.containsAnywhere(s.value()) ? "is in the final log" + where(s) : "was read";
                out.add(Anomaly.FAILED_BUT_PRESENT, s.value() + " failed definitely for " + s.process()
                        + " (partition " + s.partition() + ") but " + seen);
            }
        }
    }

    /**
     * Per producer and partition, in the order the producer invoked them, acknowledged offsets and
     * final-log offsets must rise; a send that lands below an earlier one is reordered. Each send is
     * counted once even when both views show it.
     */
    private void nonmonotonicSends() {
        Map<String, String> reordered = new LinkedHashMap<>();
        for (List<Send> stream : okSendsByProducerAndPartition().values()) {
            stream.sort(Comparator.comparingLong(Send::invokeOrder));
            Send highestAck = null;
            Send highestLogged = null;
            for (Send s : stream) {
                if (log.isPossibleOffset(s.partition(), s.ackOffset())) {
                    if (highestAck != null && s.ackOffset() < highestAck.ackOffset()) {
                        reordered.putIfAbsent(s.value(), s.process() + " sent " + s.value() + " after "
                                + highestAck.value() + ", but it was acked at " + s.ackPosition() + ", below "
                                + highestAck.ackPosition());
                    } else {
                        highestAck = s;
                    }
                }
                Long logged = log.offsetOf(s.partition(), s.value());
                if (logged != null) {
                    long highest = highestLogged == null ? -1 : log.offsetOf(s.partition(), highestLogged.value());
                    if (logged < highest) {
                        reordered.putIfAbsent(s.value(), s.process() + " sent " + s.value() + " after "
                                + highestLogged.value() + ", but the final log has it at "
                                + new Position(s.partition(), logged) + ", below " + new Position(s.partition(), highest));
                    } else {
                        highestLogged = s;
                    }
                }
            }
        }
        reordered.values().forEach(example -> out.add(Anomaly.NONMONOTONIC_SEND, example));
    }

    private record ProducerPartition(String producer, int partition) {
    }

    private Map<ProducerPartition, List<Send>> okSendsByProducerAndPartition() {
        Map<ProducerPartition, List<Send>> streams = new LinkedHashMap<>();
        for (Send s : sends.ok()) {
            streams.computeIfAbsent(new ProducerPartition(s.process(), s.partition()), k -> new ArrayList<>()).add(s);
        }
        return streams;
    }
}
