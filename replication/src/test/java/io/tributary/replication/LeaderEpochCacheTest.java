package io.tributary.replication;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeaderEpochCacheTest {

    private static LeaderEpochCache cache(int... epochStartPairs) {
        LeaderEpochCache c = new LeaderEpochCache();
        for (int i = 0; i < epochStartPairs.length; i += 2) {
            c.assign(epochStartPairs[i], epochStartPairs[i + 1]);
        }
        return c;
    }

    @Test
    void latestEpochAnswersLogEndOffset() {
        LeaderEpochCache c = cache(1, 0, 3, 10);
        assertThat(c.endOffsetFor(3, 25)).isEqualTo(new EpochEndOffset(3, 25));
    }

    @Test
    void olderEpochAnswersStartOfNextEpoch() {
        LeaderEpochCache c = cache(1, 0, 3, 10, 4, 20);
        assertThat(c.endOffsetFor(1, 25)).isEqualTo(new EpochEndOffset(1, 10));
        assertThat(c.endOffsetFor(3, 25)).isEqualTo(new EpochEndOffset(3, 20));
    }

    @Test
    void epochInAGapAnswersLargestSmallerEpoch() {
        LeaderEpochCache c = cache(1, 0, 3, 10);
        assertThat(c.endOffsetFor(2, 25)).isEqualTo(new EpochEndOffset(1, 10));
    }

    @Test
    void anEpochOlderThanEveryEntryEndsWhereTheFirstEntryStarts() {
        LeaderEpochCache c = cache(2, 5, 3, 10);
        c.truncateFromStart(7); // retention deleted the records of epochs 0-1 and of epoch 2 below 7
        assertThat(c.endOffsetFor(1, 25)).isEqualTo(new EpochEndOffset(1, 7));
    }

    @Test
    void unknownNewerOrUndefinedEpochIsUndefined() {
        LeaderEpochCache c = cache(2, 5, 3, 10);
        assertThat(c.endOffsetFor(4, 25)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(c.endOffsetFor(-1, 25)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(new LeaderEpochCache().endOffsetFor(0, 0)).isEqualTo(EpochEndOffset.UNDEFINED);
    }

    @Test
    void assignSameEpochIsIdempotentAndNonMonotonicEntriesAreReplaced() {
        LeaderEpochCache c = cache(1, 0, 2, 10);
        assertThat(c.assign(2, 12)).isFalse();
        assertThat(c.entries()).containsExactly(new LeaderEpochCache.EpochEntry(1, 0), new LeaderEpochCache.EpochEntry(2, 10));
        // same epoch at a lower start replaces it
        assertThat(c.assign(2, 8)).isTrue();
        assertThat(c.entries()).containsExactly(new LeaderEpochCache.EpochEntry(1, 0), new LeaderEpochCache.EpochEntry(2, 8));
        // a newer epoch at a start not above existing entries removes them
        assertThat(c.assign(5, 8)).isTrue();
        assertThat(c.entries()).containsExactly(new LeaderEpochCache.EpochEntry(1, 0), new LeaderEpochCache.EpochEntry(5, 8));
        assertThatThrownBy(() -> c.assign(-1, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void entriesStayStrictlyMonotonic() {
        java.util.Random random = new java.util.Random(42);
        LeaderEpochCache c = new LeaderEpochCache();
        for (int i = 0; i < 2000; i++) {
            c.assign(random.nextInt(20), random.nextInt(100));
            if (random.nextInt(10) == 0) {
                c.truncateFromEnd(random.nextInt(100));
            }
            if (random.nextInt(20) == 0) {
                c.truncateFromStart(random.nextInt(50));
            }
            var entries = c.entries();
            for (int j = 1; j < entries.size(); j++) {
                assertThat(entries.get(j).epoch()).isGreaterThan(entries.get(j - 1).epoch());
                assertThat(entries.get(j).startOffset()).isGreaterThan(entries.get(j - 1).startOffset());
            }
        }
    }

    @Test
    void truncateFromEndDropsEpochsStartingAtOrAfterOffset() {
        LeaderEpochCache c = cache(1, 0, 2, 10, 3, 20);
        c.truncateFromEnd(20);
        assertThat(c.latestEpoch()).isEqualTo(2);
        c.truncateFromEnd(11);
        assertThat(c.latestEpoch()).isEqualTo(2);
        c.truncateFromEnd(10);
        assertThat(c.entries()).containsExactly(new LeaderEpochCache.EpochEntry(1, 0));
    }

    @Test
    void truncateFromStartClampsCoveringEntry() {
        LeaderEpochCache c = cache(1, 0, 2, 10, 3, 20);
        c.truncateFromStart(15);
        assertThat(c.entries()).containsExactly(new LeaderEpochCache.EpochEntry(2, 15), new LeaderEpochCache.EpochEntry(3, 20));
        c.truncateFromStart(20);
        assertThat(c.entries()).containsExactly(new LeaderEpochCache.EpochEntry(3, 20));
        c.truncateFromStart(5);
        assertThat(c.entries()).containsExactly(new LeaderEpochCache.EpochEntry(3, 20));
    }

    @Test
    void epochForOffset() {
        LeaderEpochCache c = cache(1, 5, 2, 10);
        assertThat(c.epochForOffset(4)).isEqualTo(EpochEndOffset.UNDEFINED_EPOCH);
        assertThat(c.epochForOffset(5)).isEqualTo(1);
        assertThat(c.epochForOffset(10)).isEqualTo(2);
        assertThat(c.previousEpoch(2)).isEqualTo(1);
    }
}
