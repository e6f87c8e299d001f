package io.tributary.chaos.checker;

/**
 * The anomalies the history checker reports by name (see {@code /work/shared/CHECKER.md}), each
 * with the human name the report prints. Those that need transactions cannot happen yet; they stay
 * listed, marked not applicable, so that a report shows what is not checked rather than silently
 * leaving it out.
 */
public enum Anomaly {
    LOST_WRITE("lost write"),
    UNSEEN("unseen"),
    DUPLICATE("duplicate"),
    INCONSISTENT_OFFSETS("inconsistent offsets"),
    DIVERGENT_REPLICAS("divergent replicas"),
    DIRTY_READ("dirty read"),
    POLL_SKIP("poll skip"),
    NONMONOTONIC_POLL("nonmonotonic poll"),
    NONMONOTONIC_SEND("nonmonotonic send"),
    WRONG_ACKED_OFFSET("wrong acked offset"),
    FAILED_BUT_PRESENT("failed but present"),
    LIVENESS("liveness"),
    CRASH("crash"),
    GROUP_OFFSET_REGRESSED("group offset regressed"),
    /** A record below the group's committed offset that no member read (the "records skipped by a group"). */
    GROUP_SKIP("group skip"),
    ABORTED_READ("aborted read", false),
    TORN_TRANSACTION("torn transaction", false),
    WRONG_OWNER("wrong owner");

    private final String humanName;
    private final boolean applicable;

    Anomaly(String humanName) {
        this(humanName, true);
    }

    Anomaly(String humanName, boolean applicable) {
        this.humanName = humanName;
        this.applicable = applicable;
    }

    /** The name CHECKER.md and the report use, e.g. "lost write". */
    public String humanName() {
        return humanName;
    }

    /** False for the transaction anomalies: Tributary has no transactions yet, so they are never counted. */
    public boolean applicable() {
        return applicable;
    }
}
