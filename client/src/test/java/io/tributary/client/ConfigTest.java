package io.tributary.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ConfigTest {
    @Test
    void producerDefaults() {
        ProducerConfig config = ProducerConfig.builder().build();
        assertThat(config.bootstrapServers()).containsExactly("127.0.0.1:9092");
        assertThat(config.acks()).isEqualTo(-1);
        assertThat(config.lingerMs()).isEqualTo(5);
        assertThat(config.batchSize()).isEqualTo(65536);
        assertThat(config.maxInFlightRequestsPerConnection()).isEqualTo(5);
        assertThat(config.requestTimeoutMs()).isEqualTo(30_000);
        assertThat(config.deliveryTimeoutMs()).isEqualTo(120_000);
        assertThat(config.bufferMemory()).isEqualTo(32L << 20);
        assertThat(config.maxBlockMs()).isEqualTo(60_000);
        assertThat(config.maxRequestSize()).isEqualTo(1_048_576);
        assertThat(config.enableIdempotence()).isTrue();
    }

    @Test
    void bootstrapServersMayBeOneCommaSeparatedString() {
        assertThat(io.tributary.client.internal.BrokerAddress.parseAll(List.of("127.0.0.1:9092, 127.0.0.2:9093")))
                .containsExactly(new io.tributary.client.internal.BrokerAddress("127.0.0.1", 9092),
                        new io.tributary.client.internal.BrokerAddress("127.0.0.2", 9093));
        assertThatThrownBy(() -> io.tributary.client.internal.BrokerAddress.parseAll(List.of("127.0.0.1:9092,")))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void producerRejectsBadValues() {
        List<UnaryOperator<ProducerConfig.Builder>> bad = List.of(
                b -> b.acks(2),
                b -> b.acks(0),
                b -> b.acks(1),
                b -> b.maxInFlightRequestsPerConnection(6),
                b -> b.acks(-2),
                b -> b.lingerMs(-1),
                b -> b.batchSize(0),
                b -> b.maxInFlightRequestsPerConnection(0),
                b -> b.requestTimeoutMs(0),
                b -> b.deliveryTimeoutMs(1000).requestTimeoutMs(2000),
                b -> b.bufferMemory(0),
                b -> b.maxBlockMs(-1),
                b -> b.maxRequestSize(0),
                b -> b.bootstrapServers(List.of()),
                b -> b.bootstrapServers("localhost"),
                b -> b.bootstrapServers("localhost:0"),
                b -> b.bootstrapServers("localhost:http"),
                b -> b.bootstrapServers((List<String>) null));
        for (UnaryOperator<ProducerConfig.Builder> change : bad) {
            assertThatThrownBy(() -> change.apply(ProducerConfig.builder()).build())
                    .isInstanceOf(ConfigException.class).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Invalid value");
        }
        assertThat(ProducerConfig.builder().bootstrapServers("[::1]:9092", "h:1").acks(0).enableIdempotence(false)
                .build().acks()).isZero();
        assertThat(ProducerConfig.builder().enableIdempotence(false).acks(1).maxInFlightRequestsPerConnection(10)
                .build().maxInFlightRequestsPerConnection()).isEqualTo(10);
        assertThatThrownBy(() -> ProducerConfig.builder().acks(0).build()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("enableIdempotence");
    }

    @Test
    void consumerDefaultsAndValidation() {
        ConsumerConfig config = ConsumerConfig.builder().build();
        assertThat(config.fetchMaxWaitMs()).isEqualTo(500);
        assertThat(config.fetchMinBytes()).isEqualTo(1);
        assertThat(config.fetchMaxBytes()).isEqualTo(52_428_800);
        assertThat(config.maxPartitionFetchBytes()).isEqualTo(1_048_576);
        assertThat(config.requestTimeoutMs()).isEqualTo(30_000);
        assertThat(config.autoOffsetReset()).isEqualTo(AutoOffsetReset.LATEST);
        List<UnaryOperator<ConsumerConfig.Builder>> bad = List.of(
                b -> b.fetchMaxWaitMs(-1),
                b -> b.fetchMinBytes(-1),
                b -> b.fetchMaxBytes(0),
                b -> b.maxPartitionFetchBytes(0),
                b -> b.requestTimeoutMs(0),
                b -> b.autoOffsetReset(null),
                b -> b.maxPollRecords(0),
                b -> b.bootstrapServers("nope"));
        for (UnaryOperator<ConsumerConfig.Builder> change : bad) {
            assertThatThrownBy(() -> change.apply(ConsumerConfig.builder()).build())
                    .isInstanceOf(ConfigException.class);
        }
    }
}
