package io.tributary.replication;

/**
 * Where a follower truncates its log before fetching from a new leader (KIP-101 / KIP-279).
 *
 * <pre>
 * follower asks the leader:  endOffsetFor(epochToQuery(cache))
 * leader answer UNDEFINED             -> truncate to the follower's high watermark, completed
 * follower does not know leader epoch -> truncate to the follower's high watermark, completed
 * follower knows a smaller epoch only -> truncate to min(follower end of that epoch, LEO), NOT completed:
 *                                        ask again with the follower's new latest epoch
 * same epoch on both sides            -> truncate to min(leader end, follower end, LEO), completed
 * </pre>
 *
 * A result below the follower's high watermark throws {@link TruncationBelowHighWatermarkException}.
 */
public final class FollowerTruncation {
    private FollowerTruncation() {
    }

    /** The truncation decision: the new log end offset, and whether another round trip is needed. */
    public record Decision(long truncateToOffset, boolean completed) {
    }

    /** The epoch a follower asks the leader about: its latest epoch (UNDEFINED_EPOCH when none). */
    public static int epochToQuery(LeaderEpochCache followerCache) {
        return followerCache.latestEpoch();
    }

    /**
     * @param followerCache         the follower's epoch cache (not modified)
     * @param followerLogEndOffset  the follower's log end offset
     * @param followerHighWatermark the follower's high watermark (a lower bound on any truncation)
     * @param leaderAnswer          the leader's OffsetsForLeaderEpoch answer for {@link #epochToQuery}
     */
    public static Decision decide(LeaderEpochCache followerCache, long followerLogEndOffset,
                                  long followerHighWatermark, EpochEndOffset leaderAnswer) {
        if (followerHighWatermark > followerLogEndOffset) {
            throw new IllegalArgumentException("high watermark " + followerHighWatermark + " above log end " + followerLogEndOffset);
        }
        if (followerCache.isEmpty() || leaderAnswer.isUndefined()) {
            return checked(new Decision(followerHighWatermark, true), followerHighWatermark, "undefined epoch");
        }
        EpochEndOffset local = followerCache.endOffsetFor(leaderAnswer.epoch(), followerLogEndOffset);
        if (local.isUndefined()) {
            return checked(new Decision(followerHighWatermark, true), followerHighWatermark,
                    "follower does not know leader epoch " + leaderAnswer.epoch());
        }
        if (local.epoch() != leaderAnswer.epoch()) {
            long intermediate = Math.min(local.endOffset(), followerLogEndOffset);
            return checked(new Decision(intermediate, false), followerHighWatermark,
                    "walking back from epoch " + leaderAnswer.epoch() + " to " + local.epoch());
        }
        long offset = Math.min(Math.min(local.endOffset(), leaderAnswer.endOffset()), followerLogEndOffset);
        return checked(new Decision(offset, true), followerHighWatermark,
                "epoch " + leaderAnswer.epoch() + " leader end " + leaderAnswer.endOffset() + " follower end " + local.endOffset());
    }

    private static Decision checked(Decision d, long highWatermark, String detail) {
        if (d.truncateToOffset() < highWatermark) {
            throw new TruncationBelowHighWatermarkException(d.truncateToOffset(), highWatermark, detail);
        }
        return d;
    }
}
