package io.tributary.chaos.history;

import java.util.Objects;

/**
 * One line of a chaos run's history: what a client process did or saw, or what the nemesis did.
 *
 * <table>
 *   <caption>event types</caption>
 *   <tr><th>type</th><th>process</th><th>partition / value / offset</th><th>meaning</th></tr>
 *   <tr><td>INVOKE</td><td>producer {@code p<n>}</td><td>partition, value, -1</td><td>a send began</td></tr>
 *   <tr><td>OK</td><td>producer</td><td>partition, value, offset</td><td>acknowledged at that offset</td></tr>
 *   <tr><td>FAIL</td><td>producer</td><td>partition, value, -1</td><td>a <em>definite</em> error: not written</td></tr>
 *   <tr><td>INFO</td><td>producer</td><td>partition, value, -1</td><td>an indefinite outcome: may be written</td></tr>
 *   <tr><td>READ</td><td>consumer {@code c<n>} or {@code final}</td><td>partition, value, offset</td><td>a consumer returned that record</td></tr>
 *   <tr><td>SEEK</td><td>consumer</td><td>partition, -, offset</td><td>the consumer itself moved its position (none of its reads follow it contiguously)</td></tr>
 *   <tr><td>ASSIGNED / REVOKED</td><td>group member {@code g<n>}</td><td>partition, -, -</td><td>the group gave the member the partition / took it back (detail: revoked or lost)</td></tr>
 *   <tr><td>COMMIT</td><td>group member</td><td>partition, -, offset</td><td>the coordinator acknowledged the member's commit of that offset</td></tr>
 *   <tr><td>GROUP_FINAL</td><td>{@code group}</td><td>partition, -, offset</td><td>the group's committed offset after the run</td></tr>
 *   <tr><td>NEMESIS_START / NEMESIS_STOP</td><td>{@code nemesis}</td><td>-, fault kind, -</td><td>a fault began / was healed; detail says where</td></tr>
 *   <tr><td>NODE_READY</td><td>{@code nemesis}</td><td>-, {@code node<n>}, milliseconds since its launch</td><td>a node a heal started again serves clients</td></tr>
 *   <tr><td>NODE_LOG</td><td>{@code node<n>}</td><td>-, -, -</td><td>a suspicious node log line (detail), collected after the run</td></tr>
 * </table>
 *
 * @param timeNanos monotonic time since the run began
 * @param process who did it: {@code p0}, {@code c1}, {@code final}, {@code nemesis}, {@code node3}
 * @param partition the partition, or -1
 * @param value the record value (unique per send), the fault kind, or empty
 * @param offset the offset, or -1
 * @param detail free text without tabs or newlines (error code, node ids); may be empty
 */
public record HistoryEvent(long timeNanos, String process, Type type, int partition, String value, long offset,
                           String detail) {
    public enum Type { INVOKE, OK, FAIL, INFO, READ, SEEK, NEMESIS_START, NEMESIS_STOP, NODE_READY, NODE_LOG, ASSIGNED,
        REVOKED, COMMIT, GROUP_FINAL }

    public HistoryEvent {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(type, "type");
        value = value == null ? "" : value;
        detail = detail == null ? "" : detail.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }

    /** The process name every final-drain READ carries. */
    public static final String FINAL = "final";
    public static final String NEMESIS = "nemesis";
    /** The process name of GROUP_FINAL events. */
    public static final String GROUP = "group";

    /** A member of the workload's consumer group ({@code g0}, {@code g1}, ...). */
    public boolean isGroupMember() {
        return process.length() > 1 && process.charAt(0) == 'g' && Character.isDigit(process.charAt(1));
    }

    public boolean isProducer() {
        return process.startsWith("p");
    }

    public String toLine() {
        return timeNanos + "\t" + process + "\t" + type + "\t" + partition + "\t" + value + "\t" + offset + "\t" + detail;
    }

    /** Parses a line written by {@link #toLine()}. */
    public static HistoryEvent parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 7) {
            throw new IllegalArgumentException("history line has " + f.length + " fields, not 7: " + line);
        }
        return new HistoryEvent(Long.parseLong(f[0]), f[1], Type.valueOf(f[2]), Integer.parseInt(f[3]), f[4],
                Long.parseLong(f[5]), f[6]);
    }
}
