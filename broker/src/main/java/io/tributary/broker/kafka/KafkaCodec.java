package io.tributary.broker.kafka;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * Kafka request and response frames, read and written by the message classes Kafka's own clients
 * are generated from ({@code org.apache.kafka.common.message}); no field is coded by hand. Their
 * readers check every array and string length against the bytes left before allocating.
 */
final class KafkaCodec {
    private KafkaCodec() {
    }

    /** A request as read from one frame. */
    record Request(RequestHeader header, AbstractRequest body) {
        ApiKeys apiKey() {
            return header.apiKey();
        }

        short version() {
            return header.apiVersion();
        }
    }

    /**
     * Reads one frame (without its length prefix).
     *
     * @throws UnsupportedVersionRequest an ApiVersions request of a version newer than ours, which
     *                                   must still be answered (at version 0) so the client can step down
     * @throws InvalidRequestException   an unknown API, an unsupported version, or bytes that do not
     *                                   parse: the connection is closed, as Kafka does
     */
    static Request parse(ByteBuffer frame) {
        RequestHeader header;
        try {
            header = RequestHeader.parse(frame);
        } catch (RuntimeException e) {
            throw new InvalidRequestException("cannot read the request header: " + e.getMessage(), e);
        }
        ApiKeys apiKey = header.apiKey();
        if (!apiKey.isVersionSupported(header.apiVersion())) {
            if (apiKey == ApiKeys.API_VERSIONS) {
                throw new UnsupportedVersionRequest(header);
            }
            throw new InvalidRequestException(apiKey + " version " + header.apiVersion() + " is not supported");
        }
        try {
            AbstractRequest body = AbstractRequest.parseRequest(apiKey, header.apiVersion(), new ByteBufferAccessor(frame)).request;
            return new Request(header, body);
        } catch (RuntimeException e) {
            throw new InvalidRequestException("cannot read " + apiKey + " v" + header.apiVersion() + ": " + e.getMessage(), e);
        }
    }

    /** The response frame, length prefix included, at the request's version. */
    static ByteBuffer serialize(RequestHeader request, AbstractResponse response) {
        return serialize(request.toResponseHeader(), response.data(), request.apiVersion());
    }

    static ByteBuffer serialize(ResponseHeader header, ApiMessage body, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = header.data().size(cache, header.headerVersion()) + body.size(cache, version);
        ByteBuffer out = ByteBuffer.allocate(4 + size);
        out.putInt(size);
        ByteBufferAccessor writer = new ByteBufferAccessor(out);
        header.data().write(writer, cache, header.headerVersion());
        body.write(writer, cache, version);
        return out.flip();
    }

    /** An ApiVersions request newer than this broker knows: answered at v0 with UNSUPPORTED_VERSION (KIP-511). */
    static final class UnsupportedVersionRequest extends RuntimeException {
        private final RequestHeader header;

        UnsupportedVersionRequest(RequestHeader header) {
            super("ApiVersions v" + header.apiVersion() + " is newer than this broker's");
            this.header = header;
        }

        RequestHeader header() {
            return header;
        }

        /** A placeholder request to answer it from. */
        ApiVersionsRequest asVersionZero() {
            return new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0);
        }
    }
}
