package io.tributary.broker.partition;

import io.tributary.replication.FollowerLagLimits;
import io.tributary.replication.Replica;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.log.AppendInfo;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.NonContiguousAppendException;
import io.tributary.broker.log.PartitionLog;
import io.tributary.metadata.PartitionRegistration;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.record.RecordBatch;
import io.tributary.record.RecordBatchBuilder;
import io.tributary.record.RecordBatches;
import io.tributary.replication.DeleteRecordsResult;
import io.tributary.replication.EpochEndOffset;
import io.tributary.replication.LeaderEpochCache.EpochEntry;
import io.tributary.replication.TruncationBelowHighWatermarkException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica's roles on a real log with a fake clock: the leader's high watermark and acks=all
 * waiters follow follower fetches and ISR changes, a follower keeps the leader's offsets and
 * epochs, and truncates only what diverged, never below its high watermark.
 */
class PartitionReplicationTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final int ME = 1;

    @TempDir
    Path dir;
    private LogManager logs;
    private final AtomicLong clock = new AtomicLong(1_000);
    private final List<String> events = new ArrayList<>();

    @BeforeEach
    void open() {
        logs = LogManager.open(dir);
    }

    @AfterEach
    void close() {
        logs.close();
    }

    private Partition partition(PartitionRegistration registration) {
        PartitionLog log = logs.getOrCreate(TP, "id", LogConfig.defaults());
        Partition partition = new Partition(ME, log, ReplicaRecovery.recover(log, 0, false), FollowerLagLimits.notCaughtUpFor(10_000),
                clock::get, new Partition.Listener() {
                    @Override
                    public void highWatermarkAdvanced(TopicPartition tp, long highWatermark) {
                        events.add("hw");
                    }

                    @Override
                    public void logEndAdvanced(TopicPartition tp, long logEndOffset) {
                        events.add("leo");
                    }
                }, logs.delayedOperations());
        partition.applyRegistration(registration, 2, false);
        return partition;
    }

    private static PartitionRegistration registration(int leader, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        return new PartitionRegistration(0, List.of(1, 2, 3), isr, leader, leaderEpoch, partitionEpoch);
    }

    private static ByteBuffer batch(String... values) {
        RecordBatchBuilder builder = new RecordBatchBuilder(128);
        for (String v : values) {
            builder.append(0, null, v.getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    private static AppendInfo appendAsLeader(Partition p, String... values) {
        ByteBuffer buffer = batch(values);
        List<RecordBatch> parsed = new ArrayList<>();
        RecordBatches.of(buffer).forEach(parsed::add);
        LeaderAppend result = p.appendRecordsAsLeader(buffer, parsed, false);
        if (result instanceof LeaderAppend.Refused refused) {
            throw new AssertionError("refused: " + refused);
        }
        return ((LeaderAppend.Appended) result).info();
    }

    private static void fsync(Partition p) {
        p.log().flush();
        p.onLocalDurable();
    }

    /** A batch as the leader sends it: offsets and epoch already assigned. */
    private static ByteBuffer fetched(long baseOffset, int epoch, String... values) {
        ByteBuffer buffer = batch(values);
        RecordBatch batch = RecordBatch.wrap(buffer, 0, buffer.limit());
        batch.setBaseOffset(baseOffset);
        batch.setPartitionLeaderEpoch(epoch);
        return buffer;
    }

    @Test
    void acksAllWaitsForEveryIsrMemberAndTheHighWatermarkFollowsTheSlowest() {
        Partition p = partition(registration(ME, 3, 5, List.of(1, 2, 3)));
        AppendInfo info = appendAsLeader(p, "a", "b");
        fsync(p);
        CompletableFuture<ErrorCode> ack = p.awaitReplication(info.lastOffset() + 1, 30_000);
        assertThat(p.highWatermark()).as("followers have not fetched in this epoch").isZero();
        assertThat(events).contains("leo");

        assertThat(p.onFollowerFetch(2, 2, 3, -1).error()).isEqualTo(ErrorCode.NONE);
        assertThat(ack).isNotDone();
        assertThat(p.onFollowerFetch(3, 1, 3, -1).error()).isEqualTo(ErrorCode.NONE);
        assertThat(p.highWatermark()).isEqualTo(1);
        assertThat(ack).isNotDone();
        p.onFollowerFetch(3, 2, 3, -1);
        assertThat(p.highWatermark()).isEqualTo(2);
        assertThat(ack).isCompletedWithValue(ErrorCode.NONE);
        assertThat(events).contains("hw");

        assertThat(p.onFollowerFetch(2, 2, 2, -1).error()).as("a fetch at an old epoch").isEqualTo(ErrorCode.FENCED_LEADER_EPOCH);
        assertThat(p.onFollowerFetch(2, 99, 3, -1).error()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThat(p.highWatermark()).isEqualTo(2);
    }

    @Test
    void theHighWatermarkCountsOnlyWhatTheLeaderHasOnDisk() {
        Partition p = partition(registration(ME, 1, 1, List.of(1)));
        appendAsLeader(p, "a");
        assertThat(p.highWatermark()).as("appended, not yet fsynced").isZero();
        fsync(p);
        assertThat(p.highWatermark()).isEqualTo(1);
    }

    @Test
    void shrinkingBelowMinInsyncFailsWaitersAndLosingLeadershipFailsTheRest() {
        Partition p = partition(registration(ME, 1, 1, List.of(1, 2, 3)));
        AppendInfo first = appendAsLeader(p, "a");
        fsync(p);
        CompletableFuture<ErrorCode> waiting = p.awaitReplication(first.lastOffset() + 1, 30_000);

        assertThat(p.isUnderReplicated()).isFalse();
        p.applyRegistration(registration(ME, 1, 2, List.of(1)), 2, false); // the controller fenced 2 and 3
        assertThat(p.isUnderReplicated()).isTrue();
        assertThat(p.isUnderMinIsr()).isTrue();
        assertThat(p.highWatermark()).isEqualTo(1);
        assertThat(waiting).isCompletedWithValue(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        assertThat(p.checkEnoughReplicasForAppend()).isEqualTo(ErrorCode.NOT_ENOUGH_REPLICAS);

        p.applyRegistration(registration(ME, 1, 2, List.of(1)), 1, false); // min.insync.replicas lowered to 1
        assertThat(p.checkEnoughReplicasForAppend()).isEqualTo(ErrorCode.NONE);
        p.applyRegistration(registration(ME, 1, 3, List.of(1, 2)), 2, false);
        AppendInfo second = appendAsLeader(p, "b");
        fsync(p);
        CompletableFuture<ErrorCode> pending = p.awaitReplication(second.lastOffset() + 1, 30_000);
        assertThat(pending).isNotDone();
        assertThat(p.applyRegistration(registration(2, 2, 4, List.of(1, 2)), 2, false))
                .isEqualTo(Replica.RoleChange.BECAME_FOLLOWER);
        assertThat(pending).as("the outcome is unknown once leadership moved")
                .isCompletedWithValue(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        assertThat(p.appendRecordsAsLeader(batch("c"), List.of(), false)).as("nothing appended by a follower")
                .isInstanceOf(LeaderAppend.Refused.class)
                .extracting(r -> ((LeaderAppend.Refused) r).code()).isEqualTo(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void aFollowerKeepsTheLeadersOffsetsAndEpochsAndRefusesOverlaps() {
        Partition p = partition(registration(2, 4, 4, List.of(1, 2, 3)));
        assertThat(p.appendAsFollower(4, 0, fetched(0, 2, "a", "b"))).isEqualTo(Replica.FetchedDataCheck.APPEND);
        assertThat(p.appendAsFollower(4, 2, fetched(2, 4, "c"))).isEqualTo(Replica.FetchedDataCheck.APPEND);
        assertThat(p.log().logEndOffset()).isEqualTo(3);
        assertThat(p.epochEntries()).containsExactly(new EpochEntry(2, 0), new EpochEntry(4, 2));
        assertThatThrownBy(() -> p.appendAsFollower(4, 3, fetched(2, 4, "overlap")))
                .isInstanceOf(NonContiguousAppendException.class);
        assertThat(p.appendAsFollower(4, 2, fetched(3, 4, "d"))).as("fetched before the log end moved")
                .isEqualTo(Replica.FetchedDataCheck.LOG_MOVED);
        assertThat(p.appendAsFollower(3, 3, fetched(3, 4, "d"))).as("fetched for an older epoch")
                .isEqualTo(Replica.FetchedDataCheck.ROLE_CHANGED);
        assertThat(p.log().logEndOffset()).isEqualTo(3);
        assertThat(p.applyRegistration(registration(PartitionRegistration.NO_LEADER, 5, 5, List.of(1, 3)), 2, false))
                .as("the leader was fenced with no one to follow").isEqualTo(Replica.RoleChange.NO_LEADER);
        assertThat(p.appendAsFollower(4, 3, fetched(3, 4, "d"))).isEqualTo(Replica.FetchedDataCheck.ROLE_CHANGED);
    }

    /** A compacted leader serves the next batch it keeps: the follower copies the gap, as Kafka's does. */
    @Test
    void aFollowerCopiesTheGapsOfACompactedLeader() {
        Partition p = partition(registration(2, 4, 4, List.of(1, 2, 3)));
        p.appendAsFollower(4, 0, fetched(0, 2, "a", "b"));

        assertThat(p.appendAsFollower(4, 2, fetched(7, 4, "h"))).isEqualTo(Replica.FetchedDataCheck.APPEND);

        assertThat(p.log().logEndOffset()).isEqualTo(8);
        assertThat(io.tributary.record.RecordBatches.of(p.log().read(3, 1 << 16, Long.MAX_VALUE)).records(3))
                .extracting(io.tributary.record.Record::offset).containsExactly(7L);
    }

    @Test
    void aFollowerTruncatesWhatDivergedButNeverBelowItsHighWatermark() {
        Partition p = partition(registration(2, 5, 5, List.of(1, 2, 3)));
        p.appendAsFollower(5, 0, fetched(0, 1, "a", "b"));
        p.appendAsFollower(5, 2, fetched(2, 3, "c"));
        p.appendAsFollower(5, 3, fetched(3, 3, "d")); // written in epoch 3 by a leader that lost it
        p.updateFollowerHighWatermark(5, 2);

        // The new leader says epoch 3 ended at offset 3 on its log: offset 3 diverged.
        assertThat(p.latestLocalEpoch()).isEqualTo(3);
        var decision = p.truncateAfterDivergence(5, new EpochEndOffset(3, 3), 0).orElseThrow();
        assertThat(decision.truncateToOffset()).isEqualTo(3);
        assertThat(decision.completed()).isTrue();
        assertThat(p.log().logEndOffset()).isEqualTo(3);
        assertThat(p.epochEntries()).containsExactly(new EpochEntry(1, 0), new EpochEntry(3, 2));

        assertThatThrownBy(() -> p.truncateAfterDivergence(5, new EpochEndOffset(1, 1), 0))
                .isInstanceOf(TruncationBelowHighWatermarkException.class);
        assertThat(p.log().logEndOffset()).as("nothing was cut").isEqualTo(3);

        p.applyRegistration(registration(2, 5, 5, List.of(1, 2, 3)), 2, true);
        p.truncateAfterDivergence(5, new EpochEndOffset(1, 1), 0);
        assertThat(p.log().logEndOffset()).as("unclean election allowed: follow the leader").isZero();
        assertThat(p.highWatermark()).isZero();
    }
    /**
     * Issue 9, hole 2: an ISR expansion whose AlterPartition got no answer may be committed; the
     * leader keeps counting the added member for the high watermark and asks again, instead of
     * forgetting it (the controller could elect that member while the leader acknowledged writes it
     * lacks). A refusal (here INELIGIBLE_REPLICA) is abandoned.
     */
    @Test
    void anExpansionWithNoAnswerStaysPendingAndIsAskedAgain() throws Exception {
        Partition p = partition(registration(ME, 1, 1, List.of(1, 2)));
        appendAsLeader(p, "a");
        fsync(p);
        p.onFollowerFetch(2, 1, 1, -1);
        p.onFollowerFetch(3, 1, 1, -1); // 3 caught up: the leader proposes ISR {1, 2, 3}
        List<io.tributary.proto.metadata.v1.MetadataCommand> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.ScheduledExecutorService scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            io.tributary.broker.replica.IsrChangeSender sender = new io.tributary.broker.replica.IsrChangeSender(ME,
                    () -> 7L, () -> List.of(p), command -> {
                        sent.add(command);
                        return CompletableFuture.failedFuture(new io.tributary.metadata.QuorumNoAnswerException(
                                new java.util.concurrent.TimeoutException("no quorum leader")));
                    }, scheduler, 1_000);
            sender.tick();

            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> sent.size() >= 2);
            assertThat(sent.get(1)).as("the same proposal, asked again").isEqualTo(sent.get(0));
            synchronized (p) {
                assertThat(p.isrChangeToPropose()).as("still pending: nothing new is proposed").isEmpty();
            }
            AppendInfo second = appendAsLeader(p, "b");
            fsync(p);
            p.onFollowerFetch(2, second.lastOffset() + 1, 1, -1);
            assertThat(p.highWatermark()).as("the possibly added member 3 holds the high watermark back").isEqualTo(1);
            p.onFollowerFetch(3, second.lastOffset() + 1, 1, -1);
            assertThat(p.highWatermark()).isEqualTo(second.lastOffset() + 1);

            List<io.tributary.proto.metadata.v1.MetadataCommand> refusedSends = new java.util.concurrent.CopyOnWriteArrayList<>();
            p.applyRegistration(registration(ME, 1, 2, List.of(1, 2)), 2, false); // a newer partition clears it
            io.tributary.broker.replica.IsrChangeSender refusing = new io.tributary.broker.replica.IsrChangeSender(ME,
                    () -> 7L, () -> List.of(p), command -> {
                        refusedSends.add(command);
                        return CompletableFuture.completedFuture(io.tributary.proto.metadata.v1.MetadataCommandResult
                                .newBuilder().setErrorCode(ErrorCode.INELIGIBLE_REPLICA_VALUE).build());
                    }, scheduler, 1_000);
            refusing.tick();
            assertThat(refusedSends).hasSize(1);
            synchronized (p) {
                assertThat(p.isrChangeToPropose()).as("a refused expansion is abandoned and proposed anew").isPresent();
            }
        } finally {
            scheduler.shutdownNow();
        }
    }
    /** Issue 9, hole 7: a fetch reports the log end only while the replica still follows at that epoch. */
    @Test
    void aFollowerReportsItsFetchOffsetOnlyForTheEpochItFollows() {
        Partition p = partition(registration(2, 4, 1, List.of(1, 2, 3)));
        p.appendAsFollower(4, 0, fetched(0, 4, "a", "b"));
        assertThat(p.followerFetchPosition(4).map(Replica.FetchPosition::fetchOffset)).hasValue(2L);
        assertThat(p.log().durableEndOffset()).as("synced before it is reported").isEqualTo(2);

        p.applyRegistration(registration(3, 5, 2, List.of(1, 3)), 2, false); // a new leader at epoch 5
        assertThat(p.followerFetchPosition(4)).as("the old leader's fetcher must not report it").isEmpty();
        assertThat(p.followerFetchPosition(5).map(Replica.FetchPosition::fetchOffset)).hasValue(2L);

        p.applyRegistration(registration(ME, 6, 3, List.of(1, 3)), 2, false); // this replica leads now
        assertThat(p.followerFetchPosition(5)).isEmpty();
        assertThat(p.followerFetchPosition(6)).isEmpty();
    }

    /** Issue 11: DeleteRecords moves the leader's start; a follower fetching below it is refused and told the start. */
    @Test
    void deleteRecordsOnTheLeaderStopsAtTheHighWatermarkAndRefusesFollowersBelowTheNewStart() {
        Partition p = partition(registration(ME, 2, 1, List.of(1, 2)));
        appendAsLeader(p, "a", "b");
        appendAsLeader(p, "c", "d");
        fsync(p);
        p.onFollowerFetch(2, 3, 2, -1);
        assertThat(p.highWatermark()).isEqualTo(3);

        assertThat(p.deleteRecords(4).error()).as("beyond the high watermark").isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThat(p.deleteRecords(-2).error()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThat(p.log().logStartOffset()).as("a refused request changes nothing").isZero();
        assertThat(p.deleteRecords(DeleteRecordsResult.TO_HIGH_WATERMARK))
                .isEqualTo(new DeleteRecordsResult(ErrorCode.NONE, "", 3));
        assertThat(p.log().logStartOffset()).isEqualTo(3);
        assertThat(p.epochEntries()).containsExactly(new EpochEntry(2, 3));
        assertThat(p.onFollowerFetch(2, 2, 2, -1).error()).as("below the start").isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThat(p.onFollowerFetch(2, 3, 2, 2).error()).as("at the start, with the epoch the leader still knows")
                .isEqualTo(ErrorCode.NONE);

        Partition follower = p;
        follower.applyRegistration(registration(2, 3, 2, List.of(1, 2)), 2, false);
        assertThat(follower.deleteRecords(3).error()).isEqualTo(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void aFollowerWhoseLogEndsBelowTheLeadersStartRestartsItsLogThereAndFollowsTheStartLater() {
        Partition p = partition(registration(2, 1, 1, List.of(2, 3)));
        p.appendAsFollower(1, 0, fetched(0, 1, "a", "b"));
        fsync(p);
        p.updateFollowerHighWatermark(1, 2);

        assertThat(p.startAtLeaderLogStart(1, 10)).isTrue();
        assertThat(p.log().logStartOffset()).isEqualTo(10);
        assertThat(p.log().logEndOffset()).isEqualTo(10);
        assertThat(p.highWatermark()).isEqualTo(10);
        assertThat(p.epochEntries()).isEmpty();
        assertThat(p.followerFetchPosition(1)).contains(new Replica.FetchPosition(10, -1));

        p.appendAsFollower(1, 10, fetched(10, 1, "k", "l", "m"));
        fsync(p);
        p.followLeaderLogStart(1, 12);
        assertThat(p.log().logStartOffset()).as("not past its own high watermark").isEqualTo(10);
        p.updateFollowerHighWatermark(1, 13);
        p.followLeaderLogStart(1, 12);
        assertThat(p.log().logStartOffset()).isEqualTo(12);
        assertThat(p.startAtLeaderLogStart(1, 12)).as("its log goes past the leader's start").isFalse();
        assertThat(p.startAtLeaderLogStart(0, 99)).as("not at the epoch it follows").isFalse();
    }
}
