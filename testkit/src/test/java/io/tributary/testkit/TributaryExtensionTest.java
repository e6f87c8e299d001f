package io.tributary.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.client.Admin;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerRecord;
import io.tributary.proto.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension as a user registers it: ready clients as parameters, one node for the class. */
class TributaryExtensionTest {
    @RegisterExtension
    static final TributaryExtension tributary = TributaryExtension.singleNode();

    @Test
    void aRecordSentWithTheGivenProducerIsReadWithTheGivenConsumer(Admin admin, Producer producer, Consumer consumer)
            throws Exception {
        admin.createTopic(new NewTopic("greetings", 1, 1, Map.of()));
        producer.send(ProducerRecord.of("greetings", 0, "k".getBytes(StandardCharsets.UTF_8),
                "hello".getBytes(StandardCharsets.UTF_8))).get();
        consumer.assign(List.of(new TopicPartition("greetings", 0)));
        consumer.seekToBeginning(List.of(new TopicPartition("greetings", 0)));
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (values.isEmpty() && System.nanoTime() < deadline) {
            for (ConsumerRecord record : consumer.poll(Duration.ofMillis(500))) {
                values.add(new String(record.value(), StandardCharsets.UTF_8));
            }
        }
        assertThat(values).containsExactly("hello");
    }

    @Test
    void theBootstrapAddressIsTheRunningNodes(EmbeddedTributary nodes) {
        assertThat(tributary.bootstrapServers()).isEqualTo(nodes.bootstrapServersString())
                .startsWith("127.0.0.1:");
    }
}
