package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Judges a chaos run after the fact: from its history (what producers were told, what consumers
 * read, what the final drain found) and the replicas' on-disk dumps, it counts every
 * {@link Anomaly} that applies without transactions. Pure: no I/O, no clock,
 * so a history file can be checked again, and the rules tested on small synthetic histories.
 *
 * <table>
 *   <caption>where each anomaly is checked</caption>
 *   <tr><th>class</th><th>anomalies</th></tr>
 *   <tr><td>{@code WriteChecks}</td><td>lost write, unseen, wrong acked offset, failed but present, nonmonotonic send</td></tr>
 *   <tr><td>{@code PositionChecks}</td><td>duplicate, inconsistent offsets</td></tr>
 *   <tr><td>{@code ReadChecks}</td><td>poll skip, nonmonotonic poll, dirty read</td></tr>
 *   <tr><td>{@code GroupChecks}</td><td>wrong owner, group offset regressed, group skip; poll skip and
 *       nonmonotonic poll within a group member's ownership of a partition</td></tr>
 *   <tr><td>{@code ReplicaChecks}</td><td>divergent replicas</td></tr>
 *   <tr><td>{@code LivenessChecks}, {@code CrashChecks}</td><td>liveness, crash</td></tr>
 * </table>
 *
 * <p>Records below an offset the {@code trim} nemesis asked DeleteRecords for ({@code Trims}) may
 * be missing from the final log, the replicas and consumers' reads without an anomaly.
 *
 * <p>The reference is the final log: the READs of the {@code final} process. Without any, the
 * checks that need it (lost/unseen, dirty read, acks beyond the log end) are skipped and the run
 * fails liveness.
 */
public final class HistoryChecker {

    public CheckResult check(List<HistoryEvent> history, List<ReplicaDump> dumps) {
        Sends sends = Sends.from(history);
        FinalLog log = FinalLog.from(history);
        Trims trims = Trims.from(history);
        Findings findings = new Findings();
        WriteChecks.run(sends, log, readValues(history), trims, findings);
        PositionChecks.run(history, log, findings);
        ReadChecks.run(history, log, trims, findings);
        GroupChecks.run(history, log, trims, findings);
        ReplicaChecks.run(dumps, log, trims, findings);
        LivenessChecks.run(history, sends, log, trims, findings);
        CrashChecks.run(history, findings);
        return findings.toResult(totals(history, sends, log));
    }

    private static Set<String> readValues(List<HistoryEvent> history) {
        Set<String> values = new HashSet<>();
        for (HistoryEvent e : history) {
            if (e.type() == HistoryEvent.Type.READ) {
                values.add(e.value());
            }
        }
        return values;
    }

    private static CheckResult.Totals totals(List<HistoryEvent> history, Sends sends, FinalLog log) {
        int invocations = (int) history.stream().filter(e -> e.type() == HistoryEvent.Type.INVOKE).count();
        int reads = (int) history.stream()
                .filter(e -> e.type() == HistoryEvent.Type.READ && !HistoryEvent.FINAL.equals(e.process())).count();
        return new CheckResult.Totals(invocations, sends.ok().size(), sends.withOutcome(Send.Outcome.FAIL).size(),
                sends.withOutcome(Send.Outcome.UNKNOWN).size(), reads, log.sizes());
    }
}
