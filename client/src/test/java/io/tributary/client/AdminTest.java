package io.tributary.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.TopicDescription;
import io.tributary.record.RecordBatchBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminTest {
    private FakeTributary broker;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        broker = new FakeTributary();
        admin = Admin.create(List.of(broker.address()), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws Exception {
        admin.close();
        broker.close();
    }

    @Test
    void createListDescribeDelete() {
        TopicResult created = admin.createTopic(NewTopic.of("orders", 4, 1));
        assertThat(created.isSuccess()).isTrue();
        assertThat(created.topicId()).isNotEmpty();
        assertThatThrownBy(() -> admin.createTopic(NewTopic.of("orders", 4, 1)))
                .isInstanceOf(TopicExistsException.class)
                .satisfies(e -> assertThat(((TributaryException) e).isDefinite()).isTrue());

        List<TopicResult> results = admin.createTopics(List.of(NewTopic.of("a", 1, 0), NewTopic.of("bad", 0, 0)));
        assertThat(results.get(0).isSuccess()).isTrue();
        assertThat(results.get(1).errorCode()).isEqualTo(ErrorCode.INVALID_PARTITIONS);
        assertThat(results.get(1).exception()).isNotNull();

        assertThat(admin.listTopics()).containsExactly("a", "orders");
        List<TopicDescription> described = admin.describeTopics(List.of("orders"));
        assertThat(described).hasSize(1);
        assertThat(described.get(0).getPartitionsCount()).isEqualTo(4);
        assertThat(admin.metadata().getBrokersCount()).isEqualTo(1);

        List<TopicResult> deleted = admin.deleteTopics(List.of("a", "nope"));
        assertThat(deleted.get(0).isSuccess()).isTrue();
        assertThat(deleted.get(1).exception()).isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThat(admin.listTopics()).containsExactly("orders");
    }

    @Test
    void listOffsetsAsksTheLeader() {
        admin.createTopic(NewTopic.of("t", 1, 1));
        RecordBatchBuilder builder = new RecordBatchBuilder(256);
        builder.append(100, null, new byte[] {1});
        builder.append(200, null, new byte[] {2});
        builder.append(300, null, new byte[] {3});
        broker.append("t", 0, builder.build());
        TopicPartition tp = new TopicPartition("t", 0);
        assertThat(admin.listOffsets(tp, Admin.EARLIEST)).isZero();
        assertThat(admin.listOffsets(tp, Admin.LATEST)).isEqualTo(3);
        assertThat(admin.listOffsets(tp, 150)).isEqualTo(1);
        assertThat(admin.listOffsets(tp, 1_000)).isEqualTo(-1);
        try (Admin quick = Admin.create(List.of(broker.address()), Duration.ofMillis(300))) {
            assertThatThrownBy(() -> quick.listOffsets(new TopicPartition("missing", 0), Admin.LATEST))
                    .isInstanceOf(UnknownTopicOrPartitionException.class);
        }
    }
}
