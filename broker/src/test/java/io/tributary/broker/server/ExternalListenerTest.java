package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.config.NodeConfig;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.proto.v1.BrokerInfo;
import io.tributary.proto.v1.MetadataResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with a second client listener, as a container publishes one: clients that come in on it
 * are told the external address, clients (and brokers) on the main listener the main one.
 */
class ExternalListenerTest {
    @TempDir
    Path dataDir;

    @Test
    void eachListenersClientsAreToldThatListenersAddress() throws Exception {
        Properties p = new Properties();
        p.setProperty("client.port", "0");
        p.setProperty("controller.port", "0");
        p.setProperty("metrics.port", "-1");
        p.setProperty("kafka.port", "0");
        p.setProperty("data.dir", dataDir.toString());
        p.setProperty("external.port", "0");
        p.setProperty("external.advertised.host", "localhost");
        try (BrokerNode node = BrokerNode.start(NodeConfig.fromProperties(p))) {
            String main = node.bootstrapAddress();
            String external = "127.0.0.1:" + node.externalPort();
            try (Admin viaMain = Admin.create(List.of(main)); Admin viaExternal = Admin.create(List.of(external))) {
                assertThat(brokers(viaMain.metadata())).containsExactly("127.0.0.1:" + node.clientPort());
                assertThat(brokers(viaExternal.metadata())).containsExactly("localhost:" + node.externalPort());
                viaExternal.createTopic(new NewTopic("outside", 1, 1, Map.of()));
            }
            // a producer that bootstraps from the external listener follows its addresses to the leader
            try (Producer producer = new Producer(ProducerConfig.builder()
                    .bootstrapServers("localhost:" + node.externalPort()).build())) {
                assertThat(producer.send(ProducerRecord.of("outside", 0, null,
                        "hello".getBytes(StandardCharsets.UTF_8))).get().offset()).isZero();
            }
        }
    }

    private static List<String> brokers(MetadataResponse metadata) {
        return metadata.getBrokersList().stream().map((BrokerInfo b) -> b.getHost() + ":" + b.getPort()).toList();
    }
}
