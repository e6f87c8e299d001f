package io.tributary.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.server.BrokerNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad bytes on the Kafka listener: each gets the protocol's answer or a closed connection, and the
 * node goes on serving well-formed clients.
 */
class KafkaBadInputTest {
    @TempDir
    Path dataDir;
    private BrokerNode node;

    @BeforeEach
    void start() throws Exception {
        node = BrokerNode.start(NodeConfig.ephemeral(dataDir));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private KafkaWire connect() throws IOException {
        return new KafkaWire(node.kafkaPort());
    }


    /** True once the listener closed the connection; false when it kept it open (the read timed out). */
    private static boolean closedByPeer(KafkaWire wire) {
        try {
            return wire.socket().getInputStream().read() == -1;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private static ByteBuffer sized(byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
    }

    /** The node still answers a real client. */
    private void stillServes() throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + node.kafkaPort());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic("after-" + System.nanoTime(), 1, (short) 1))).all().get();
        }
    }

    @Test
    void garbageUnknownApisAndTruncatedBodiesCloseTheConnection() throws Exception {
        try (KafkaWire socket = connect()) {
            socket.send(sized(new byte[] {1, 2, 3})); // shorter than any header
            assertThat(closedByPeer(socket)).isTrue();
        }
        try (KafkaWire socket = connect()) {
            ByteBuffer header = ByteBuffer.allocate(10).putShort((short) 9999).putShort((short) 0).putInt(7).putShort((short) -1);
            socket.send(sized(header.array())); // API key 9999
            assertThat(closedByPeer(socket)).isTrue();
        }
        try (KafkaWire socket = connect()) {
            // a Metadata v12 header whose body claims a topic array of 2^30 entries: refused before allocating
            RequestHeader header = new RequestHeader(ApiKeys.METADATA, (short) 12, "bad", 3);
            ByteBuffer frame = new MetadataRequest(new MetadataRequestData(), (short) 12).serializeWithHeader(header);
            byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            int body = header.size(); // the topics' compact array length opens the body
            byte[] bad = java.util.Arrays.copyOf(bytes, body + 5);
            bad[body] = (byte) 0xff;
            bad[body + 1] = (byte) 0xff;
            bad[body + 2] = (byte) 0xff;
            bad[body + 3] = (byte) 0xff;
            bad[body + 4] = (byte) 0x03;
            socket.send(sized(bad));
            assertThat(closedByPeer(socket)).isTrue();
        }
        stillServes();
    }

    @Test
    void aFrameOverTheLimitIsRefusedBeforeItIsRead() throws Exception {
        try (KafkaWire socket = connect()) {
            socket.send(ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).putInt(0).flip());
            assertThat(closedByPeer(socket)).isTrue();
        }
        try (KafkaWire socket = connect()) {
            socket.send(ByteBuffer.allocate(4).putInt(1000).flip()); // a client that goes away mid-request
        }
        stillServes();
    }

    @Test
    void anApiVersionsRequestNewerThanOursIsAnsweredAtVersionZero() throws Exception {
        try (KafkaWire socket = connect()) {
            short future = (short) (ApiKeys.API_VERSIONS.latestVersion() + 1);
            ByteBuffer header = ByteBuffer.allocate(64).putShort(ApiKeys.API_VERSIONS.id).putShort(future).putInt(42)
                    .putShort((short) 4).put("test".getBytes()).put((byte) 0);
            byte[] bytes = java.util.Arrays.copyOf(header.array(), header.position());
            socket.send(sized(bytes));
            ByteBuffer response = socket.readFrame();
            assertThat(ResponseHeader.parse(response, (short) 0).correlationId()).isEqualTo(42);
            ApiVersionsResponseData answer = new ApiVersionsResponseData(new ByteBufferAccessor(response), (short) 0);
            assertThat(answer.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            assertThat(answer.apiKeys().find(ApiKeys.PRODUCE.id)).isNotNull();
        }
        try (KafkaWire socket = connect()) {
            RequestHeader header = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "test", 43);
            socket.send(sizedRequest(header));
            ByteBuffer response = socket.readFrame();
            ResponseHeader.parse(response, ApiKeys.API_VERSIONS.responseHeaderVersion((short) 3));
            ApiVersionsResponseData answer = new ApiVersionsResponseData(new ByteBufferAccessor(response), (short) 3);
            assertThat(answer.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(answer.apiKeys().find(ApiKeys.DESCRIBE_LOG_DIRS.id)).as("served APIs only").isNull();
        } catch (EOFException e) {
            throw new AssertionError("the listener closed a well-formed ApiVersions request", e);
        }
    }

    private static ByteBuffer sizedRequest(RequestHeader header) {
        ByteBuffer body = new ApiVersionsRequest(new ApiVersionsRequestData().setClientSoftwareName("t")
                .setClientSoftwareVersion("1"), (short) 3).serializeWithHeader(header);
        return ByteBuffer.allocate(4 + body.remaining()).putInt(body.remaining()).put(body).flip();
    }
}
