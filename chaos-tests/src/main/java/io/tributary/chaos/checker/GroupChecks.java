package io.tributary.chaos.checker;

import io.tributary.chaos.history.HistoryEvent;
import io.tributary.chaos.history.HistoryEvent.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The consumer group's checks: WRONG_OWNER, GROUP_OFFSET_REGRESSED, GROUP_SKIP, and POLL_SKIP /
 * NONMONOTONIC_POLL within a member's ownership of a partition.
 *
 * <p>A member's <em>spell</em> on a partition runs from the group giving it (ASSIGNED) to taking it
 * back (REVOKED); its reads of the partition in that spell must follow each other offset by offset.
 * Two members' spells of one partition must not overlap in time, judged by their reads: a member
 * may not read a partition between another member's first and last read of it (WRONG_OWNER).
 * Acknowledged commits of a partition never go back, and the group's offsets after the run are not
 * below the last acknowledged one (GROUP_OFFSET_REGRESSED). Every record of the final log below the
 * group's final offset was read by some member (GROUP_SKIP), unless trimmed or expired first.
 */
final class GroupChecks {
    private static final class Spell {
        final String member;
        long firstReadNanos = -1;
        long lastReadNanos = -1;
        long lastOffset = -1;

        Spell(String member) {
            this.member = member;
        }
    }

    private record MemberPartition(String member, int partition) {
    }

    private GroupChecks() {
    }

    static void run(List<HistoryEvent> history, FinalLog log, Trims trims, Findings out) {
        Map<Integer, List<Spell>> spells = spells(history, trims, out);
        spells.forEach((partition, list) -> ownersOverlap(partition, list, out));
        Map<Integer, Long> lastCommitted = commits(history, out);
        Map<Integer, Long> finalOffsets = new TreeMap<>();
        for (HistoryEvent e : history) {
            if (e.type() == Type.GROUP_FINAL) {
                finalOffsets.put(e.partition(), e.offset());
            }
        }
        if (finalOffsets.isEmpty() && lastCommitted.isEmpty()) {
            return;
        }
        lastCommitted.forEach((partition, committed) -> {
            long end = finalOffsets.getOrDefault(partition, -1L);
            if (end < committed) {
                out.add(Anomaly.GROUP_OFFSET_REGRESSED, "p" + partition + ": the group's offset after the run is "
                        + (end < 0 ? "gone" : end) + ", below the acknowledged commit of " + committed);
            }
        });
        if (log.drained()) {
            skipped(history, log, trims, finalOffsets, out);
        }
    }

    /** Every member's spells per partition, checking that reads within a spell follow each other. */
    private static Map<Integer, List<Spell>> spells(List<HistoryEvent> history, Trims trims, Findings out) {
        Map<Integer, List<Spell>> byPartition = new TreeMap<>();
        Map<MemberPartition, Spell> open = new HashMap<>();
        for (HistoryEvent e : history) {
            if (!e.isGroupMember()) {
                continue;
            }
            MemberPartition key = new MemberPartition(e.process(), e.partition());
            switch (e.type()) {
                case ASSIGNED -> {
                    Spell spell = new Spell(e.process());
                    open.put(key, spell);
                    byPartition.computeIfAbsent(e.partition(), p -> new ArrayList<>()).add(spell);
                }
                case REVOKED -> open.remove(key);
                case READ -> {
                    Spell spell = open.get(key);
                    if (spell == null) {
                        out.add(Anomaly.WRONG_OWNER, e.process() + " read " + new Position(e.partition(), e.offset())
                                + " while the group had not given it the partition");
                        continue;
                    }
                    Position at = new Position(e.partition(), e.offset());
                    if (spell.lastOffset >= 0 && e.offset() > spell.lastOffset + 1 && e.offset() > trims.below(e.partition())) {
                        out.add(Anomaly.POLL_SKIP, e.process() + " read " + at + " after offset " + spell.lastOffset
                                + " of the same partition, skipping " + (e.offset() - spell.lastOffset - 1) + " offset(s)");
                    } else if (spell.lastOffset >= 0 && e.offset() <= spell.lastOffset) {
                        out.add(Anomaly.NONMONOTONIC_POLL, e.process() + " read " + at + " after offset " + spell.lastOffset);
                    }
                    spell.lastOffset = e.offset();
                    if (spell.firstReadNanos < 0) {
                        spell.firstReadNanos = e.timeNanos();
                    }
                    spell.lastReadNanos = e.timeNanos();
                }
                default -> { }
            }
        }
        return byPartition;
    }

    private static void ownersOverlap(int partition, List<Spell> spells, Findings out) {
        List<Spell> read = new ArrayList<>(spells.stream().filter(s -> s.firstReadNanos >= 0).toList());
        read.sort((a, b) -> Long.compare(a.firstReadNanos, b.firstReadNanos));
        Spell latestEnding = null;
        for (Spell spell : read) {
            if (latestEnding != null && !latestEnding.member.equals(spell.member)
                    && spell.firstReadNanos < latestEnding.lastReadNanos) {
                out.add(Anomaly.WRONG_OWNER, "p" + partition + ": " + spell.member + " read it at "
                        + Millis.of(spell.firstReadNanos) + " ms while " + latestEnding.member + " read it until "
                        + Millis.of(latestEnding.lastReadNanos) + " ms");
            }
            if (latestEnding == null || spell.lastReadNanos > latestEnding.lastReadNanos) {
                latestEnding = spell;
            }
        }
    }

    /** The last acknowledged commit per partition, checking that they never go back. */
    private static Map<Integer, Long> commits(List<HistoryEvent> history, Findings out) {
        Map<Integer, Long> last = new TreeMap<>();
        Map<Integer, String> by = new HashMap<>();
        for (HistoryEvent e : history) {
            if (e.type() != Type.COMMIT) {
                continue;
            }
            Long before = last.get(e.partition());
            if (before != null && e.offset() < before) {
                out.add(Anomaly.GROUP_OFFSET_REGRESSED, "p" + e.partition() + ": " + e.process() + " committed "
                        + e.offset() + " after " + by.get(e.partition()) + " committed " + before);
                continue;
            }
            last.put(e.partition(), e.offset());
            by.put(e.partition(), e.process());
        }
        return last;
    }

    private static void skipped(List<HistoryEvent> history, FinalLog log, Trims trims, Map<Integer, Long> finalOffsets,
                                Findings out) {
        Map<Integer, java.util.Set<Long>> readByGroup = new HashMap<>();
        for (HistoryEvent e : history) {
            if (e.type() == Type.READ && e.isGroupMember()) {
                readByGroup.computeIfAbsent(e.partition(), p -> new java.util.HashSet<>()).add(e.offset());
            }
        }
        finalOffsets.forEach((partition, committed) -> {
            NavigableMap<Long, String> records = log.partition(partition).headMap(committed, false);
            java.util.Set<Long> read = readByGroup.getOrDefault(partition, java.util.Set.of());
            for (Long offset : records.keySet()) {
                if (!read.contains(offset) && !trims.mayBeDeleted(partition, offset)) {
                    out.add(Anomaly.GROUP_SKIP, "p" + partition + "@" + offset + " is below the group's committed offset "
                            + committed + " but no member read it");
                }
            }
        });
    }
}
