package io.tributary.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class NodeConfigTest {

    private static Properties properties(String... keyValues) {
        Properties properties = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return properties;
    }

    @Test
    void aNodeAdvertisesItsBindAddressUnlessToldOtherwise() {
        NodeConfig plain = NodeConfig.fromProperties(properties("host", "10.0.0.5", "client.port", "9092"));
        assertThat(plain.advertisedHost()).isEqualTo("10.0.0.5");
        assertThat(plain.advertisedClientPort()).isZero(); // the port actually bound

        NodeConfig published = NodeConfig.fromProperties(properties("host", "c2760f38fb56",
                "advertised.host", "localhost", "advertised.client.port", "32768"));
        assertThat(published.host()).isEqualTo("c2760f38fb56");
        assertThat(published.advertisedHost()).isEqualTo("localhost");
        assertThat(published.advertisedClientPort()).isEqualTo(32768);
        assertThat(published.withPorts(19092, 19093, -1).advertisedHost()).isEqualTo("localhost");
    }

    @Test
    void theExternalListenerIsOffUnlessItsPortIsSetAndAdvertisesTheNodeByDefault() {
        assertThat(NodeConfig.fromProperties(properties("host", "node1")).external()).isNull();
        NodeConfig external = NodeConfig.fromProperties(properties("host", "node1", "external.port", "9096",
                "external.advertised.host", "localhost", "external.advertised.port", "19092"));
        assertThat(external.external()).isEqualTo(new NodeConfig.ExternalListener(9096, "localhost", 19092));
        NodeConfig defaults = NodeConfig.fromProperties(properties("host", "node1", "advertised.host", "n1.example",
                "external.port", "9096"));
        assertThat(defaults.external()).isEqualTo(new NodeConfig.ExternalListener(9096, "n1.example", 0));
        assertThatThrownBy(() -> NodeConfig.fromProperties(properties("external.advertised.host", "localhost")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("external.advertised.host is set but external.port is not");
        assertThatThrownBy(() -> NodeConfig.fromProperties(properties("external.port", "99999")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("external.port");
    }

    @Test
    void theKafkaListenerIsOnAt9095AndAdvertisesTheNodeByDefault() {
        NodeConfig defaults = NodeConfig.fromProperties(properties("host", "node1", "advertised.host", "n1.example"));
        assertThat(defaults.kafka()).isEqualTo(new NodeConfig.KafkaListener(9095, "n1.example", 0));
        NodeConfig published = NodeConfig.fromProperties(properties("kafka.port", "19095",
                "kafka.advertised.host", "localhost", "kafka.advertised.port", "29095"));
        assertThat(published.kafka()).isEqualTo(new NodeConfig.KafkaListener(19095, "localhost", 29095));
        assertThat(NodeConfig.fromProperties(properties("kafka.port", "-1")).kafka().enabled()).isFalse();
        assertThatThrownBy(() -> NodeConfig.fromProperties(properties("kafka.port", "-2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.port");
        assertThatThrownBy(() -> NodeConfig.fromProperties(properties("external.port", "9095")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.port and external.port are both 9095");
    }

    @Test
    void offsetRetentionIsReadInMinutes() {
        NodeConfig config = NodeConfig.fromProperties(properties("offsets.retention.minutes", "60",
                "offsets.retention.check.interval.ms", "1000"));
        assertThat(config.groups().offsetsRetentionMs()).isEqualTo(3_600_000L);
        assertThat(config.groups().groupConfig().offsetsRetentionMs()).isEqualTo(3_600_000L);
        assertThat(config.groups().offsetsRetentionCheckIntervalMs()).isEqualTo(1000L);
        assertThatThrownBy(() -> NodeConfig.fromProperties(properties("offsets.retention.minutes", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("offsets.retention.minutes");
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertThatThrownBy(() -> NodeConfig.fromProperties(properties("advertised.port", "1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown node config 'advertised.port'");
        assertThatThrownBy(() -> NodeConfig.fromProperties(properties("advertised.client.port", "70000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("advertised.client.port");
        assertThatThrownBy(() -> NodeConfig.fromProperties(properties("broker.session.timeout.ms", "400")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("broker.session.timeout.ms");
    }

    @Test
    void theBrokerSessionDefaultsToOneSecond() {
        assertThat(NodeConfig.fromProperties(new Properties()).sessionTimeoutMs()).isEqualTo(1000);
    }
}
