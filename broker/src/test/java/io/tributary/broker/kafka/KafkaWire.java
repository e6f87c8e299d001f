package io.tributary.broker.kafka;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/** One raw connection to a Kafka listener: frames written and read by hand around Kafka's message classes. */
final class KafkaWire implements AutoCloseable {
    private final Socket socket;
    private int correlationId;

    KafkaWire(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
    }

    Socket socket() {
        return socket;
    }

    void send(ByteBuffer frame) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        byte[] bytes = new byte[frame.remaining()];
        frame.get(bytes);
        out.write(bytes);
        out.flush();
    }

    ByteBuffer readFrame() throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] body = new byte[in.readInt()];
        in.readFully(body);
        return ByteBuffer.wrap(body);
    }

    /** Sends {@code request} at {@code version} and returns the response body, past its header. */
    ByteBuffer call(ApiKeys api, short version, ApiMessage request) throws IOException {
        RequestHeader header = new RequestHeader(api, version, "test", ++correlationId);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        short headerVersion = api.requestHeaderVersion(version);
        int size = header.data().size(cache, headerVersion) + request.size(cache, version);
        ByteBuffer frame = ByteBuffer.allocate(4 + size).putInt(size);
        ByteBufferAccessor writer = new ByteBufferAccessor(frame);
        header.data().write(writer, cache, headerVersion);
        request.write(writer, cache, version);
        send(frame.flip());
        ByteBuffer response = readFrame();
        ResponseHeader.parse(response, api.responseHeaderVersion(version));
        return response;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
