package io.tributary.replication;

import io.tributary.proto.v1.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionLeaderStateTest {
    private static final long LAG_MS = 10_000;

    private static PartitionLeaderState leader(Set<Integer> isr, int minIsr, long leo, long hw) {
        return new PartitionLeaderState(1, Set.of(1, 2, 3), isr, 5, 7, minIsr, FollowerLagLimits.notCaughtUpFor(LAG_MS), leo, hw, 0);
    }

    @Test
    void highWatermarkIsMinLogEndOverIsrAndWaitsForUnknownFollowers() {
        var s = leader(Set.of(1, 2, 3), 2, 0, 0);
        assertThat(s.onAppend(10)).isFalse();
        assertThat(s.onFollowerFetch(1, 2, 10, 5).highWatermarkAdvanced()).isFalse(); // 3 unknown
        var r = s.onFollowerFetch(2, 3, 4, 5);
        assertThat(r).isEqualTo(new FollowerFetchResult(ErrorCode.NONE, true, 4));
        assertThat(s.onFollowerFetch(3, 3, 10, 5).highWatermark()).isEqualTo(10);
    }

    @Test
    void highWatermarkNeverDecreases() {
        var s = leader(Set.of(1, 2), 1, 10, 8);
        s.onFollowerFetch(1, 2, 3, 5); // stale/short follower position
        assertThat(s.highWatermark()).isEqualTo(8);
    }

    @Test
    void staleAndFutureEpochsAndBadOffsetsAreRejectedWithoutEffect() {
        var s = leader(Set.of(1, 2), 1, 10, 0);
        assertThat(s.onFollowerFetch(1, 2, 10, 4).error()).isEqualTo(ErrorCode.FENCED_LEADER_EPOCH);
        assertThat(s.onFollowerFetch(1, 2, 10, 6).error()).isEqualTo(ErrorCode.UNKNOWN_LEADER_EPOCH);
        assertThat(s.onFollowerFetch(1, 2, -1, 5).error()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThat(s.onFollowerFetch(1, 9, 1, 5).error()).isEqualTo(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        assertThat(s.followerLogEndOffset(2)).isEqualTo(-1);
        assertThat(s.highWatermark()).isZero();
    }

    @Test
    void laggingFollowerIsProposedForRemovalAfterLagTime() {
        var s = leader(Set.of(1, 2, 3), 2, 0, 0);
        s.onAppend(10);
        s.onFollowerFetch(1000, 2, 10, 5);
        s.onFollowerFetch(1000, 3, 2, 5);
        assertThat(s.isrChangeToPropose(LAG_MS)).isEmpty();
        var p = s.isrChangeToPropose(LAG_MS + 1).orElseThrow();
        assertThat(p.newIsr()).containsExactlyInAnyOrder(1, 2);
        assertThat(p.partitionEpoch()).isEqualTo(7);
        assertThat(p.leaderEpoch()).isEqualTo(5);
        assertThat(s.isrChangeToPropose(LAG_MS + 2)).isEmpty(); // one in flight
        assertThat(s.applyIsr(Set.of(1, 2), 8)).isTrue(); // HW 2 -> 10
        assertThat(s.highWatermark()).isEqualTo(10);
        assertThat(s.applyIsr(Set.of(1), 8)).isFalse(); // stale partition epoch ignored
        assertThat(s.isr()).containsExactlyInAnyOrder(1, 2);
    }

    /**
     * Issue 9: a follower that died together with the active controller held acks=all on every
     * partition until the new controller fenced it, a whole session after it took over; the
     * leader now proposes a follower that stopped fetching out of the ISR after the silence limit.
     */
    @Test
    void aSilentFollowerIsProposedOutSoonerThanASlowOne() {
        var s = new PartitionLeaderState(1, Set.of(1, 2, 3), Set.of(1, 2, 3), 5, 7, 2,
                new FollowerLagLimits(LAG_MS, 1_000), 0, 0, 0);
        s.onAppend(10);
        s.onFollowerFetch(100, 2, 10, 5); // caught up, then dies
        s.onFollowerFetch(100, 3, 10, 5);
        assertThat(s.nextIsrCheckDeadlineMs()).isEqualTo(1_101);
        for (long now = 200; now <= 1_100; now += 100) {
            s.onAppend(10 + now / 100);
            s.onFollowerFetch(now, 3, 10 + now / 100 - 1, 5); // slow but fetching: stays
            assertThat(s.isrChangeToPropose(now)).isEmpty();
        }
        var p = s.isrChangeToPropose(1_101).orElseThrow();
        assertThat(p.newIsr()).containsExactlyInAnyOrder(1, 3);
    }

    @Test
    void aSilentFollowerThatLacksNothingStays() {
        var s = new PartitionLeaderState(1, Set.of(1, 2), Set.of(1, 2), 5, 7, 1,
                new FollowerLagLimits(LAG_MS, 1_000), 10, 10, 0);
        s.onFollowerFetch(100, 2, 10, 5);
        assertThat(s.isrChangeToPropose(5_000)).as("an idle partition: nothing to lack").isEmpty();
    }

    @Test
    void followerCaughtUpToPreviousFetchLeaderEndStaysInSync() {
        var s = leader(Set.of(1, 2), 1, 0, 0);
        s.onAppend(10);
        s.onFollowerFetch(5_000, 2, 10, 5);   // caught up at 5000
        s.onAppend(20);
        s.onFollowerFetch(14_000, 2, 10, 5);  // behind now, but reached the leader end of its previous fetch (10) -> caught up at 5000
        s.onAppend(30);
        s.onFollowerFetch(16_000, 2, 20, 5);  // reached 20 = leader end at previous fetch -> caught up at 14000
        assertThat(s.isrChangeToPropose(16_000 + 1)).isEmpty();
        assertThat(s.isrChangeToPropose(14_000 + LAG_MS + 1)).isPresent();
    }

    @Test
    void followerThatReachedHighWatermarkInThisEpochIsProposedForAddition() {
        var s = leader(Set.of(1), 1, 10, 10);
        assertThat(s.isrChangeToPropose(1)).isEmpty();
        s.onFollowerFetch(1, 3, 9, 5);
        assertThat(s.isrChangeToPropose(2)).isEmpty();
        s.onFollowerFetch(3, 3, 10, 5);
        var p = s.isrChangeToPropose(4).orElseThrow();
        assertThat(p.newIsr()).containsExactlyInAnyOrder(1, 3);
        // while pending, the HW waits for the maximal ISR
        s.onAppend(15);
        assertThat(s.highWatermark()).isEqualTo(10);
        s.abandonPendingIsrChange();
        s.onAppend(16);
        assertThat(s.highWatermark()).isEqualTo(16);
    }

    @Test
    void acksAllDecisions() {
        var s = leader(Set.of(1, 2), 2, 0, 0);
        assertThat(s.checkEnoughReplicasForAppend()).isEqualTo(ErrorCode.NONE);
        s.onAppend(5);
        assertThat(s.canAcknowledge(5)).isEqualTo(AckDecision.WAIT);
        s.onFollowerFetch(1, 2, 5, 5);
        assertThat(s.canAcknowledge(5)).isEqualTo(AckDecision.ACKNOWLEDGE);
        s.onAppend(8);
        s.applyIsr(Set.of(1), 8);
        assertThat(s.canAcknowledge(8)).isEqualTo(AckDecision.fail(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND));
        assertThat(s.checkEnoughReplicasForAppend()).isEqualTo(ErrorCode.NOT_ENOUGH_REPLICAS);
    }

    /** Differential test (STYLE 13): the HW against a naive min over the ISR on random inputs. */
    @Test
    void highWatermarkMatchesNaiveReference() {
        for (int seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            Set<Integer> isr = new TreeSet<>(Set.of(1));
            for (int r = 2; r <= 3; r++) {
                if (random.nextBoolean()) {
                    isr.add(r);
                }
            }
            var s = new PartitionLeaderState(1, Set.of(1, 2, 3), isr, 1, 1, 1, FollowerLagLimits.notCaughtUpFor(LAG_MS), 0, 0, 0);
            Map<Integer, Long> leo = new HashMap<>();
            long leaderLeo = 0;
            long refHw = 0;
            for (int step = 0; step < 100; step++) {
                if (random.nextInt(3) == 0) {
                    leaderLeo += random.nextInt(5);
                    s.onAppend(leaderLeo);
                } else {
                    int r = 2 + random.nextInt(2);
                    long o = random.nextLong(leaderLeo + 1);
                    s.onFollowerFetch(step, r, o, 1);
                    leo.put(r, o);
                }
                long min = leaderLeo;
                boolean known = true;
                for (int r : isr) {
                    if (r != 1) {
                        known &= leo.containsKey(r);
                        min = Math.min(min, leo.getOrDefault(r, 0L));
                    }
                }
                if (known) {
                    refHw = Math.max(refHw, min);
                }
                assertThat(s.highWatermark()).as("seed %d step %d", seed, step).isEqualTo(refHw);
            }
        }
    }
}
