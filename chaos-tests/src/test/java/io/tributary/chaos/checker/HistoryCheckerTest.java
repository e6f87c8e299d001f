package io.tributary.chaos.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Each anomaly on a small synthetic history. The anomalous events go to partition 2, after a clean
 * run on partitions 0 and 1 (with a fault, a failed send, an indefinite one, a seek and lagging
 * replicas), so every test also shows that the clean parts are not flagged.
 */
class HistoryCheckerTest {

    /** Two producers and two consumers on partitions 0 and 1, across a kill; the final drain is separate. */
    private static HistoryBuilder cleanWorkload() {
        return new HistoryBuilder()
                .sendOk("p0", 0, "p0-0", 0)
                .sendOk("p1", 0, "p1-0", 1)
                .sendOk("p0", 1, "p0-1", 0)
                .nemesisStart("kill", "node2")
                .invoke("p1", 1, "p1-1").info("p1", 1, "p1-1") // indefinite, and in fact written at 1@1
                .invoke("p0", 0, "p0-2").fail("p0", 0, "p0-2")
                .nemesisStop("kill")
                .sendOk("p0", 0, "p0-3", 2)
                .sendOk("p1", 1, "p1-2", 2)
                .seek("c0", 0, 0)
                .reads("c0", 0, 0, "p0-0", "p1-0", "p0-3")
                .reads("c0", 1, 0, "p0-1", "p1-1", "p1-2")
                .reads("c1", 0, 0, "p0-0", "p1-0")
                .seek("c1", 0, 0) // a deliberate re-read
                .reads("c1", 0, 0, "p0-0", "p1-0", "p0-3");
    }

    private static HistoryBuilder cleanFinalDrain(HistoryBuilder history) {
        return history.finalLog(0, "p0-0", "p1-0", "p0-3").finalLog(1, "p0-1", "p1-1", "p1-2");
    }

    /** node1 and node3 in the ISR (node3 with an uncommitted tail above the HW), node2 lagging outside it. */
    private static List<ReplicaDump> cleanDumps() {
        return List.of(
                dump(1, 0, true, 3, "p0-0", "p1-0", "p0-3"),
                dump(1, 1, true, 3, "p0-1", "p1-1", "p1-2"),
                dump(2, 0, false, 3, "p0-0", "p1-0"),
                dump(3, 0, true, 3, "p0-0", "p1-0", "p0-3", "p9-9"));
    }

    private static ReplicaDump dump(int node, int partition, boolean inIsr, long highWatermark, String... values) {
        TreeMap<Long, String> records = new TreeMap<>();
        for (int i = 0; i < values.length; i++) {
            records.put((long) i, values[i]);
        }
        return new ReplicaDump(node, partition, inIsr, highWatermark, records);
    }

    private static CheckResult check(HistoryBuilder history) {
        return check(history, cleanDumps());
    }

    private static CheckResult check(HistoryBuilder history, List<ReplicaDump> dumps) {
        return new HistoryChecker().check(history.build(), dumps);
    }

    private static Map<Anomaly, Integer> nonzero(CheckResult result) {
        Map<Anomaly, Integer> found = new EnumMap<>(Anomaly.class);
        result.counts().forEach((anomaly, count) -> {
            if (count != 0) {
                found.put(anomaly, count);
            }
        });
        return found;
    }

    @Test
    void cleanHistoryIsValid() {
        CheckResult result = check(cleanFinalDrain(cleanWorkload()));

        assertThat(nonzero(result)).isEmpty();
        assertThat(result.valid()).isTrue();
        assertThat(result.totals()).isEqualTo(new CheckResult.Totals(7, 5, 1, 1, 11, new TreeMap<>(Map.of(0, 3, 1, 3))));
        assertThat(result.report()).contains("VALID", "lost write", "divergent replicas", "crash")
                .containsPattern("torn transaction +n/a +not applicable yet \\(no transactions\\)")
                .containsPattern("wrong owner +0")
                .doesNotContain("examples");
    }

    @Test
    void reportNamesEveryAnomalyAndShowsExamplesOfThoseFound() {
        CheckResult result = check(cleanFinalDrain(cleanWorkload()).nodeLog(2, "ERROR boom"));

        assertThat(result.valid()).isFalse();
        String report = result.report();
        for (Anomaly anomaly : Anomaly.values()) {
            assertThat(report).contains(anomaly.humanName());
        }
        assertThat(report).contains("INVALID").containsPattern("crash +1").contains("crash (1):", "  - node2: ERROR boom");
    }

    @Test
    void examplesAreCappedButEveryAnomalyIsCounted() {
        HistoryBuilder history = cleanWorkload();
        for (int i = 0; i < 7; i++) {
            history.nodeLog(1, "ERROR number " + i);
        }
        CheckResult result = check(cleanFinalDrain(history));

        assertThat(result.count(Anomaly.CRASH)).isEqualTo(7);
        assertThat(result.examples(Anomaly.CRASH)).hasSize(CheckResult.MAX_EXAMPLES).first().isEqualTo("node1: ERROR number 0");
    }

    @Nested
    class Writes {
        @Test
        void ackedValueMissingBelowAPresentOneIsALostWrite() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .sendOk("p0", 2, "p0-10", 0)
                    .sendOk("p0", 2, "p0-11", 1)
                    .invoke("p1", 2, "p1-10").info("p1", 2, "p1-10")
                    .finalLog(2, "p1-10", "p0-11"));

            // p0-10's offset now holds p1-10: the lost write necessarily comes with an inconsistent offset
            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.LOST_WRITE, 1, Anomaly.INCONSISTENT_OFFSETS, 1));
            assertThat(result.examples(Anomaly.LOST_WRITE)).singleElement().asString()
                    .contains("p0-10", "2@0", "p0-11", "2@1");
        }

        @Test
        void ackedValueMissingWhileOneAckedAfterItIsPresentIsALostWrite() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .sendOk("p0", 2, "p0-10", 1)
                    .sendOk("p1", 2, "p1-10", 0)
                    .finalLog(2, "p1-10"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.LOST_WRITE, 1));
        }

        @Test
        void ackedValueMissingAtTheTailIsUnseenNotLost() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .sendOk("p0", 2, "p0-10", 0)
                    .sendOk("p0", 2, "p0-11", 1)
                    .finalLog(2, "p0-10"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.UNSEEN, 1));
            assertThat(result.examples(Anomaly.UNSEEN)).singleElement().asString().contains("p0-11", "stale tail");
        }

        @Test
        void indefiniteValueIsNeverLost() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .invoke("p1", 2, "p1-10").info("p1", 2, "p1-10")
                    .invoke("p1", 2, "p1-11") // no completion: the run ended
                    .sendOk("p1", 2, "p1-12", 0)
                    .finalLog(2, "p1-12"));

            assertThat(nonzero(result)).isEmpty();
            assertThat(result.totals().unknown()).isEqualTo(3);
        }

        @Test
        void indefiniteValueWrittenOnceIsNoAnomaly() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .invoke("p1", 2, "p1-10").info("p1", 2, "p1-10")
                    .finalLog(2, "p1-10"));

            assertThat(nonzero(result)).isEmpty();
        }

        @Test
        void indefiniteValueWrittenTwiceIsADuplicate() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .invoke("p1", 2, "p1-10").info("p1", 2, "p1-10")
                    .reads("c0", 2, 0, "p1-10", "p1-10")
                    .finalLog(2, "p1-10", "p1-10"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.DUPLICATE, 1));
            assertThat(result.examples(Anomaly.DUPLICATE)).singleElement().asString()
                    .isEqualTo("p1-10 at 2@0 (c0, final), 2@1 (c0, final)");
        }

        @Test
        void definitelyFailedValueInTheLogIsFailedButPresent() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .invoke("p0", 2, "p0-10").fail("p0", 2, "p0-10")
                    .finalLog(2, "p0-10"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.FAILED_BUT_PRESENT, 1));
        }

        @Test
        void laterSendAckedAtALowerOffsetIsANonmonotonicSend() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .invoke("p0", 2, "p0-10")
                    .invoke("p0", 2, "p0-11")
                    .ok("p0", 2, "p0-10", 1)
                    .ok("p0", 2, "p0-11", 0)
                    .finalLog(2, "p0-11", "p0-10"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.NONMONOTONIC_SEND, 1));
            assertThat(result.examples(Anomaly.NONMONOTONIC_SEND)).singleElement().asString()
                    .contains("p0 sent p0-11 after p0-10");
        }

        @Test
        void twoProducersInterleavingIsNoReorder() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .invoke("p0", 2, "p0-10")
                    .invoke("p1", 2, "p1-10")
                    .ok("p1", 2, "p1-10", 0)
                    .ok("p0", 2, "p0-10", 1)
                    .finalLog(2, "p1-10", "p0-10"));

            assertThat(nonzero(result)).isEmpty();
        }

        @Test
        void negativeAckedOffsetIsWrong() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .sendOk("p0", 2, "p0-10", -1)
                    .finalLog(2, "p0-10"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.WRONG_ACKED_OFFSET, 1));
        }

        @Test
        void ackedOffsetBeyondTheLogEndIsWrong() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .sendOk("p0", 2, "p0-10", 0)
                    .sendOk("p0", 2, "p0-11", 7)
                    .finalLog(2, "p0-10", "p0-11"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.WRONG_ACKED_OFFSET, 1));
            assertThat(result.examples(Anomaly.WRONG_ACKED_OFFSET)).singleElement().asString()
                    .contains("2@7", "log end 2", "2@1");
        }
    }

    @Nested
    class Positions {
        @Test
        void oneOffsetReadWithTwoValuesIsInconsistent() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .sendOk("p0", 2, "p0-10", 0)
                    .invoke("p1", 2, "p1-10").info("p1", 2, "p1-10")
                    .read("c0", 2, 0, "p1-10")
                    .finalLog(2, "p0-10"));

            // the value that left its offset is gone: inconsistent and dirty together
            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.INCONSISTENT_OFFSETS, 1, Anomaly.DIRTY_READ, 1));
            assertThat(result.examples(Anomaly.INCONSISTENT_OFFSETS)).singleElement()
                    .isEqualTo("2@0 holds p0-10 (p0 ack, final), p1-10 (c0)");
        }

        @Test
        void ackAtAnotherOffsetThanTheLogIsADuplicateAndInconsistent() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .sendOk("p0", 2, "p0-10", 0)
                    .invoke("p1", 2, "p1-10").info("p1", 2, "p1-10")
                    .finalLog(2, "p1-10", "p0-10"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.DUPLICATE, 1, Anomaly.INCONSISTENT_OFFSETS, 1));
        }
    }

    @Nested
    class Reads {
        private HistoryBuilder sixValuesOnPartition2() {
            HistoryBuilder history = cleanFinalDrain(cleanWorkload());
            for (int i = 0; i < 6; i++) {
                history.sendOk("p0", 2, "p0-1" + i, i);
            }
            return history.finalLog(2, "p0-10", "p0-11", "p0-12", "p0-13", "p0-14", "p0-15");
        }

        @Test
        void jumpOverAnOffsetIsAPollSkip() {
            CheckResult result = check(sixValuesOnPartition2()
                    .reads("c2", 2, 0, "p0-10", "p0-11", "p0-12", "p0-13")
                    .read("c2", 2, 5, "p0-15"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.POLL_SKIP, 1));
            assertThat(result.examples(Anomaly.POLL_SKIP)).singleElement().asString()
                    .isEqualTo("c2 read 2@5 after 2@3, skipping 1 offset(s)");
        }

        @Test
        void jumpToASeekIsNoSkip() {
            CheckResult result = check(sixValuesOnPartition2()
                    .reads("c2", 2, 0, "p0-10", "p0-11", "p0-12", "p0-13")
                    .seek("c2", 2, 5)
                    .read("c2", 2, 5, "p0-15"));

            assertThat(nonzero(result)).isEmpty();
        }

        @Test
        void firstReadAboveZeroIsAPollSkip() {
            CheckResult result = check(sixValuesOnPartition2().reads("c2", 2, 2, "p0-12", "p0-13"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.POLL_SKIP, 1));
        }

        @Test
        void gapInTheFinalDrainIsAPollSkip() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .invoke("p1", 2, "p1-10").info("p1", 2, "p1-10")
                    .invoke("p1", 2, "p1-11").info("p1", 2, "p1-11")
                    .read("final", 2, 0, "p1-10")
                    .read("final", 2, 2, "p1-11"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.POLL_SKIP, 1));
            assertThat(result.examples(Anomaly.POLL_SKIP)).singleElement().asString().startsWith("final read 2@2");
        }

        @Test
        void goingBackIsANonmonotonicPoll() {
            CheckResult result = check(sixValuesOnPartition2()
                    .reads("c2", 2, 0, "p0-10", "p0-11", "p0-12", "p0-13", "p0-14", "p0-15")
                    .read("c2", 2, 0, "p0-10"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.NONMONOTONIC_POLL, 1));
            assertThat(result.examples(Anomaly.NONMONOTONIC_POLL)).singleElement().asString()
                    .isEqualTo("c2 read 2@0 after 2@5 (position 6)");
        }

        @Test
        void goingBackAfterASeekIsNoAnomaly() {
            CheckResult result = check(sixValuesOnPartition2()
                    .reads("c2", 2, 0, "p0-10", "p0-11", "p0-12", "p0-13", "p0-14", "p0-15")
                    .seek("c2", 2, 0)
                    .reads("c2", 2, 0, "p0-10", "p0-11"));

            assertThat(nonzero(result)).isEmpty();
        }

        @Test
        void valueReadThenGoneFromTheLogIsADirtyRead() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .sendOk("p0", 2, "p0-10", 0)
                    .invoke("p1", 2, "p1-10").info("p1", 2, "p1-10")
                    .reads("c0", 2, 0, "p0-10", "p1-10")
                    .reads("c1", 2, 0, "p0-10", "p1-10")
                    .finalLog(2, "p0-10"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.DIRTY_READ, 1));
            assertThat(result.examples(Anomaly.DIRTY_READ)).singleElement().asString().startsWith("c0 read p1-10 at 2@1");
        }
    }

    @Nested
    class Replicas {
        @Test
        void replicaDifferingBelowTheHighWatermarkDiverges() {
            List<ReplicaDump> dumps = List.of(
                    dump(1, 0, true, 3, "p0-0", "p9-9", "p0-3"),
                    dump(3, 0, true, 3, "p0-0", "p1-0", "p0-3"));

            CheckResult result = check(cleanFinalDrain(cleanWorkload()), dumps);

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.DIVERGENT_REPLICAS, 1));
            assertThat(result.examples(Anomaly.DIVERGENT_REPLICAS)).singleElement()
                    .isEqualTo("0@1 below the high watermark: final p1-0, node1 p9-9, node3 p1-0");
        }

        @Test
        void isrReplicaMissingAnOffsetBelowTheHighWatermarkDiverges() {
            List<ReplicaDump> dumps = List.of(dump(1, 1, true, 3, "p0-1", "p1-1"));

            CheckResult result = check(cleanFinalDrain(cleanWorkload()), dumps);

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.DIVERGENT_REPLICAS, 1));
            assertThat(result.examples(Anomaly.DIVERGENT_REPLICAS)).singleElement().asString()
                    .contains("1@2", "node1 missing (in ISR)");
        }

        @Test
        void replicaOutsideTheIsrMayLag() {
            List<ReplicaDump> dumps = List.of(dump(2, 1, false, 3, "p0-1"));

            assertThat(nonzero(check(cleanFinalDrain(cleanWorkload()), dumps))).isEmpty();
        }

        @Test
        void replicasMayDifferAboveTheHighWatermark() {
            List<ReplicaDump> dumps = List.of(
                    dump(1, 0, true, 3, "p0-0", "p1-0", "p0-3", "p1-7"),
                    dump(3, 0, true, 3, "p0-0", "p1-0", "p0-3", "p0-7", "p0-8"));

            assertThat(nonzero(check(cleanFinalDrain(cleanWorkload()), dumps))).isEmpty();
        }

        @Test
        void replicasDisagreeingWhereTheFinalDrainDidNotReadDiverge() {
            List<ReplicaDump> dumps = List.of(
                    dump(1, 5, true, 1, "x"),
                    dump(2, 5, true, 1, "y"));

            assertThat(nonzero(check(cleanFinalDrain(cleanWorkload()), dumps)))
                    .isEqualTo(Map.of(Anomaly.DIVERGENT_REPLICAS, 1));
        }
    }

    @Nested
    class Liveness {
        @Test
        void producerWithNoAckAfterTheLastHealIsNotLive() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .invoke("p2", 2, "p2-0").info("p2", 2, "p2-0")
                    .invoke("p2", 2, "p2-1").fail("p2", 2, "p2-1"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.LIVENESS, 1));
            assertThat(result.examples(Anomaly.LIVENESS)).singleElement().asString()
                    .startsWith("p2 sent 2 value(s) after the last heal");
        }

        @Test
        void noFinalDrainIsNotLiveAndSkipsTheChecksThatNeedIt() {
            CheckResult result = check(cleanWorkload());

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.LIVENESS, 1));
        }

        @Test
        void acknowledgedPartitionTheFinalDrainCouldNotReadIsNotLive() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload()).sendOk("p0", 2, "p0-10", 0));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.LIVENESS, 1, Anomaly.UNSEEN, 1));
        }

        @Test
        void everyNodeLogLineIsACrash() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload())
                    .nodeLog(2, "ERROR uncaught java.lang.IllegalStateException: replica fell behind the high watermark"));

            assertThat(nonzero(result)).isEqualTo(Map.of(Anomaly.CRASH, 1));
            assertThat(result.examples(Anomaly.CRASH)).singleElement().asString().startsWith("node2: ERROR uncaught");
        }
    }

    /** Issue 11: records below an offset DeleteRecords was asked for may be gone; nothing above it may. */
    @Nested
    class Trimmed {
        /** Partition 2: four records, a trim below 2, a consumer reset to the new start, the final drain from there. */
        private HistoryBuilder trimmedPartition() {
            return cleanWorkload()
                    .sendOk("p0", 2, "p0-20", 0).sendOk("p0", 2, "p0-21", 1)
                    .sendOk("p0", 2, "p0-22", 2).sendOk("p0", 2, "p0-23", 3)
                    .read("c0", 2, 0, "p0-20")
                    .nemesisStart("trim", "partition 2 below 2 (start now 2)")
                    .nemesisStop("trim")
                    .reads("c0", 2, 2, "p0-22", "p0-23") // reset to the new start: no skip
                    .reads("c1", 2, 2, "p0-22", "p0-23");
        }

        private HistoryBuilder drained(HistoryBuilder history, String... partition2From2) {
            return cleanFinalDrain(history).reads(io.tributary.chaos.history.HistoryEvent.FINAL, 2, 2, partition2From2);
        }

        @Test
        void recordsBelowATrimMayBeMissingFromReadsTheFinalLogAndReplicas() {
            List<ReplicaDump> dumps = new java.util.ArrayList<>(cleanDumps());
            dumps.add(new ReplicaDump(1, 2, true, 4, new TreeMap<>(Map.of(2L, "p0-22", 3L, "p0-23"))));
            dumps.add(new ReplicaDump(2, 2, true, 4, new TreeMap<>(Map.of(1L, "p9-9", 2L, "p0-22", 3L, "p0-23"))));

            CheckResult result = check(drained(trimmedPartition(), "p0-22", "p0-23"), dumps);

            assertThat(nonzero(result)).isEmpty();
        }

        @Test
        void aRecordAtOrAboveTheTrimStillMustBeThere() {
            CheckResult result = check(cleanFinalDrain(trimmedPartition())
                    .read(io.tributary.chaos.history.HistoryEvent.FINAL, 2, 3, "p0-23")); // 2 deleted too

            assertThat(nonzero(result)).containsKeys(Anomaly.LOST_WRITE, Anomaly.POLL_SKIP, Anomaly.DIRTY_READ);
            assertThat(result.examples(Anomaly.LOST_WRITE)).singleElement().asString().startsWith("p0-22");
        }

        @Test
        void anUnansweredTrimCountsWithTheOffsetItAskedFor() {
            CheckResult result = check(drained(cleanWorkload()
                    .sendOk("p0", 2, "p0-20", 0).sendOk("p0", 2, "p0-21", 1).sendOk("p0", 2, "p0-22", 2)
                    .nemesisStart("trim", "partition 2 below 2 (outcome unknown: timed out)").nemesisStop("trim"),
                    "p0-22"));

            assertThat(nonzero(result)).isEmpty();
        }
    }

    @Nested
    class Retained {
        /**
         * Partition 2: two records sent at 1 and 2 s; a 2 s retention spell from 10 s, healed at 12 s;
         * the next round starts at 14 s, so records sent before 14 + 3 (margin) - 2 = 15 s may have
         * expired; two more sent at 16 s must stay. A consumer jumps to the new start.
         */
        private HistoryBuilder expiredPartition() {
            return cleanWorkload()
                    .at(1_000).sendOk("p0", 2, "p0-20", 0)
                    .at(2_000).sendOk("p0", 2, "p0-21", 1)
                    .read("c0", 2, 0, "p0-20")
                    .at(10_000).nemesisStart("retention", "retention.ms 2000 (applied)")
                    .at(12_000).nemesisStop("retention")
                    .at(14_000).nemesisStart("kill", "node1")
                    .at(14_500).nemesisStop("kill")
                    .at(16_000).sendOk("p0", 2, "p0-22", 2).sendOk("p0", 2, "p0-23", 3)
                    .reads("c0", 2, 2, "p0-22", "p0-23"); // reset to the new start: no skip
        }

        @Test
        void recordsSentBeforeTheSpellsCutoffMayBeMissingFromReadsTheFinalLogAndReplicas() {
            List<ReplicaDump> dumps = new java.util.ArrayList<>(cleanDumps());
            dumps.add(new ReplicaDump(1, 2, true, 4, new TreeMap<>(Map.of(2L, "p0-22", 3L, "p0-23"))));

            CheckResult result = check(cleanFinalDrain(expiredPartition())
                    .reads(io.tributary.chaos.history.HistoryEvent.FINAL, 2, 2, "p0-22", "p0-23"), dumps);

            assertThat(nonzero(result)).isEmpty();
        }

        @Test
        void aRecordSentAfterTheCutoffStillMustBeThere() {
            CheckResult result = check(cleanFinalDrain(expiredPartition())
                    .read(io.tributary.chaos.history.HistoryEvent.FINAL, 2, 3, "p0-23")); // 2 deleted too

            assertThat(nonzero(result)).containsKeys(Anomaly.LOST_WRITE);
            assertThat(result.examples(Anomaly.LOST_WRITE)).singleElement().asString().startsWith("p0-22");
        }

        @Test
        void aSpellWithoutALaterRoundCountsUntilTheEndOfTheHistory() {
            CheckResult result = check(cleanFinalDrain(cleanWorkload()
                    .at(1_000).sendOk("p0", 2, "p0-20", 0)
                    .at(10_000).nemesisStart("retention", "retention.ms 2000 (outcome unknown: timed out)")
                    .at(12_000).nemesisStop("retention")
                    .at(13_000).sendOk("p0", 2, "p0-21", 1))
                    .at(20_000).reads(io.tributary.chaos.history.HistoryEvent.FINAL, 2, 1, "p0-21"));

            assertThat(nonzero(result)).as("p0-21 was sent before 20 + 3 - 2 s: it could have expired too").isEmpty();
        }
    }
}
