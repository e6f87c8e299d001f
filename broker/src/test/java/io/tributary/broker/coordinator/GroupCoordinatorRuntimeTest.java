package io.tributary.broker.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.group.GroupConfig;
import io.tributary.broker.group.GroupRecord;
import io.tributary.broker.group.TopicsImage;
import io.tributary.broker.group.assignor.Assignors;
import io.tributary.proto.v1.ConsumerGroupHeartbeatRequest;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.OffsetCommitPartition;
import io.tributary.proto.v1.OffsetCommitRequest;
import io.tributary.proto.v1.OffsetCommitTopic;
import io.tributary.proto.v1.OffsetFetchRequest;
import io.tributary.proto.v1.OffsetFetchResponse;
import io.tributary.proto.v1.TopicPartitions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The runtime around the pure group state: which requests it answers and when. A chaos run caught
 * a coordinator cut off from the metadata quorum answering an OffsetFetch from its own state while
 * another node had taken its groups over: the new owner of a partition was told "no committed
 * offset" (of a stale leader's making) and read it again from the start. Over an in-memory offsets
 * log that commits every write at once.
 */
class GroupCoordinatorRuntimeTest {
    private static final String GROUP = "g";
    private final List<GroupRecord> log = new ArrayList<>();
    private final AtomicBoolean actsAsLeader = new AtomicBoolean(true);
    private final GroupCoordinatorRuntime runtime = new GroupCoordinatorRuntime(1, GroupConfig.DEFAULTS,
            Assignors.standard(), new InMemoryOffsetsLog(), new OneTopic(), () -> 1, () -> 0L, () -> 1_000L,
            3_600_000L, actsAsLeader::get, Executors.newSingleThreadScheduledExecutor());

    @AfterEach
    void close() {
        runtime.close();
    }

    private ErrorCode commit(long offset) {
        return runtime.commitOffsets(OffsetCommitRequest.newBuilder().setGroupId(GROUP).setMemberEpoch(-1)
                .addTopics(OffsetCommitTopic.newBuilder().setTopic("t").addPartitions(OffsetCommitPartition.newBuilder()
                        .setPartition(0).setCommittedOffset(offset).setCommittedLeaderEpoch(-1)))
                .build()).join().getErrorCode();
    }

    private OffsetFetchResponse fetch() {
        return runtime.fetchOffsets(OffsetFetchRequest.newBuilder().setGroupId(GROUP)
                .addTopics(TopicPartitions.newBuilder().setTopic("t").addPartitions(0)).build()).join();
    }

    @Test
    void aNodeThatMayNotActAsLeaderRefusesEveryGroupRequestWithARetriableErrorAndWritesNothing() {
        runtime.onLeadershipChange(0, 0, true);
        assertThat(commit(42)).isEqualTo(ErrorCode.NONE);
        int written = log.size();

        actsAsLeader.set(false); // its lease lapsed, or its metadata is catching up after a lapse
        OffsetFetchResponse refused = fetch();
        assertThat(refused.getErrorCode()).isEqualTo(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        assertThat(refused.getTopicsList()).as("no offsets from state that may be stale").isEmpty();
        assertThat(commit(50)).isEqualTo(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        assertThat(runtime.heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(GROUP).setMemberEpoch(0)
                .setRebalanceTimeoutMs(5_000).setSubscriptionSet(true).addSubscribedTopicNames("t").build(), "")
                .join().getErrorCode()).isEqualTo(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        assertThat(log).as("nothing written while refusing").hasSize(written);

        actsAsLeader.set(true);
        assertThat(fetch().getTopics(0).getPartitions(0).getCommittedOffset()).isEqualTo(42);
    }

    @Test
    void aGroupOfAPartitionNotLedHereIsNotCoordinatedHere() {
        assertThat(fetch().getErrorCode()).isEqualTo(ErrorCode.NOT_COORDINATOR);
    }

    private final class InMemoryOffsetsLog implements OffsetsLog {
        @Override
        public boolean leads(int partition, int leaderEpoch) {
            return true;
        }

        @Override
        public long readAll(int partition, Consumer<GroupRecord> into) {
            log.forEach(into);
            return log.size();
        }

        @Override
        public long append(int partition, int leaderEpoch, List<GroupRecord> records) {
            log.addAll(records);
            return log.size();
        }

        @Override
        public CompletableFuture<Void> awaitCommitted(int partition, long endOffset) {
            return CompletableFuture.completedFuture(null);
        }
    }

    private static final class OneTopic implements TopicsImage {
        @Override
        public int partitionCount(String topic) {
            return topic.equals("t") ? 4 : -1;
        }

        @Override
        public Collection<String> topicNames() {
            return Set.of("t");
        }
    }
}
