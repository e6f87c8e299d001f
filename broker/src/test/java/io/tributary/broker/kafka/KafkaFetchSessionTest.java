package io.tributary.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.server.BrokerNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incremental fetch sessions (KIP-227) on the wire: a session answers only partitions with news. */
class KafkaFetchSessionTest {
    private static final short VERSION = 12; // topics by name, sessions

    @TempDir
    Path dataDir;
    private BrokerNode node;

    @BeforeEach
    void start() throws Exception {
        node = BrokerNode.start(NodeConfig.ephemeral(dataDir));
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + node.kafkaPort());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic("s", 2, (short) 1))).all().get();
        }
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private void produce(int partition, String value) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + node.kafkaPort());
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>("s", partition, null, value.getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    private static FetchRequestData fetch(int sessionId, int epoch, long offset0, long offset1, boolean name) {
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
                .setMaxBytes(1 << 20).setSessionId(sessionId).setSessionEpoch(epoch);
        if (name) {
            request.topics().add(new FetchRequestData.FetchTopic().setTopic("s").setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(offset0).setPartitionMaxBytes(1 << 20),
                    new FetchRequestData.FetchPartition().setPartition(1).setFetchOffset(offset1).setPartitionMaxBytes(1 << 20))));
        }
        return request;
    }

    private static FetchResponseData answer(KafkaWire wire, FetchRequestData request) throws Exception {
        return new FetchResponseData(new ByteBufferAccessor(wire.call(ApiKeys.FETCH, VERSION, request)), VERSION);
    }

    private static List<Integer> partitions(FetchResponseData response) {
        return response.responses().stream().flatMap(t -> t.partitions().stream())
                .map(FetchResponseData.PartitionData::partitionIndex).toList();
    }

    @Test
    void aSessionAnswersOnlyThePartitionsWithNews() throws Exception {
        produce(0, "a");
        try (KafkaWire wire = new KafkaWire(node.kafkaPort())) {
            FetchResponseData full = answer(wire, fetch(0, 0, 0, 0, true));
            assertThat(full.sessionId()).isPositive();
            assertThat(partitions(full)).containsExactly(0, 1);

            // epoch 1, nothing named: the session still reads both at the offsets it remembers
            FetchResponseData unchanged = answer(wire, fetch(full.sessionId(), 1, 0, 0, false));
            assertThat(unchanged.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(partitions(unchanged)).as("partition 0 re-sends its record; 1 has no news").containsExactly(0);

            produce(1, "b");
            FetchResponseData moved = answer(wire, fetch(full.sessionId(), 2, 1, 0, true));
            assertThat(partitions(moved)).as("0 moved past its record; 1 has one").containsExactly(1);

            assertThat(answer(wire, fetch(full.sessionId(), 7, 1, 1, false)).errorCode())
                    .isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
            assertThat(answer(wire, fetch(full.sessionId() + 1, 1, 1, 1, false)).errorCode())
                    .isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
        }
    }
}
