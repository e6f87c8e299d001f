package io.tributary.replication;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FollowerTruncationTest {

    private static LeaderEpochCache cache(int... pairs) {
        LeaderEpochCache c = new LeaderEpochCache();
        for (int i = 0; i < pairs.length; i += 2) {
            c.assign(pairs[i], pairs[i + 1]);
        }
        return c;
    }

    @Test
    void sameEpochTruncatesToLeaderEndWhenFollowerIsLonger() {
        // KIP-101 scenario: follower wrote 2 records in epoch 1 the leader never got.
        LeaderEpochCache follower = cache(0, 0, 1, 10);
        var d = FollowerTruncation.decide(follower, 12, 10, new EpochEndOffset(1, 10));
        assertThat(d).isEqualTo(new FollowerTruncation.Decision(10, true));
    }

    @Test
    void sameEpochKeepsFollowerLogWhenShorter() {
        LeaderEpochCache follower = cache(0, 0, 1, 10);
        var d = FollowerTruncation.decide(follower, 11, 5, new EpochEndOffset(1, 15));
        assertThat(d).isEqualTo(new FollowerTruncation.Decision(11, true));
    }

    @Test
    void leaderDoesNotKnowFollowersEpochWalksBack() {
        // follower led epoch 2 briefly; the leader (epoch 3) only has epoch 1 up to 8
        LeaderEpochCache follower = cache(1, 0, 2, 10);
        var d = FollowerTruncation.decide(follower, 14, 8, new EpochEndOffset(1, 8));
        assertThat(d).isEqualTo(new FollowerTruncation.Decision(8, true));
    }

    @Test
    void followerMissingLeadersEpochTruncatesToItsEndOfSmallerEpochAndAsksAgain() {
        // KIP-279: leader answers epoch 2 ending at 12; follower knows 1 and 3 only
        LeaderEpochCache follower = cache(1, 0, 3, 9);
        var d = FollowerTruncation.decide(follower, 15, 5, new EpochEndOffset(2, 12));
        assertThat(d).isEqualTo(new FollowerTruncation.Decision(9, false));
        follower.truncateFromEnd(d.truncateToOffset());
        assertThat(FollowerTruncation.epochToQuery(follower)).isEqualTo(1);
        var d2 = FollowerTruncation.decide(follower, 9, 5, new EpochEndOffset(1, 7));
        assertThat(d2).isEqualTo(new FollowerTruncation.Decision(7, true));
    }

    @Test
    void undefinedAnswerTruncatesToHighWatermark() {
        LeaderEpochCache follower = cache(1, 0);
        assertThat(FollowerTruncation.decide(follower, 10, 6, EpochEndOffset.UNDEFINED))
                .isEqualTo(new FollowerTruncation.Decision(6, true));
        assertThat(FollowerTruncation.decide(new LeaderEpochCache(), 0, 0, new EpochEndOffset(1, 3)))
                .isEqualTo(new FollowerTruncation.Decision(0, true));
    }

    @Test
    void neverBelowHighWatermark() {
        LeaderEpochCache follower = cache(0, 0, 1, 10);
        assertThatThrownBy(() -> FollowerTruncation.decide(follower, 12, 11, new EpochEndOffset(1, 10)))
                .isInstanceOf(TruncationBelowHighWatermarkException.class)
                .isInstanceOf(IllegalStateException.class)
                .satisfies(e -> {
                    var t = (TruncationBelowHighWatermarkException) e;
                    assertThat(t.truncationOffset()).isEqualTo(10);
                    assertThat(t.highWatermark()).isEqualTo(11);
                });
    }
}
