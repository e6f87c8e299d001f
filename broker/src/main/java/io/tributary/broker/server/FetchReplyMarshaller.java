package io.tributary.broker.server;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.FetchResponse;
import io.tributary.proto.v1.FetchTopicResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Writes a {@link FetchReply} as the wire contract's {@code FetchResponse} message, byte for byte
 * what protobuf writes for the same message, without building that message: the records go from the
 * segment files into gRPC's (direct, pooled) transport buffers through one small reusable chunk,
 * instead of being read into a heap buffer per partition and copied again by protobuf.
 *
 * <p>grpc-java offers no public way to hand a file region or a buffer to the transport (it frames
 * every message through an {@link OutputStream}), so one copy into its buffers is the floor here;
 * Kafka's sendfile has none, but gRPC over TLS could not use it either.
 */
final class FetchReplyMarshaller implements MethodDescriptor.Marshaller<FetchReply> {
    /** What the records are copied through on their way to the transport, per sending thread. */
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final ThreadLocal<byte[]> CHUNK = ThreadLocal.withInitial(() -> new byte[CHUNK_BYTES]);
    /** CodedOutputStream's own buffer, for the small fields between the records. */
    private static final int FIELD_BUFFER_BYTES = 4096;

    private static final int TOPICS_FIELD = FetchResponse.TOPICS_FIELD_NUMBER;
    private static final int TOPIC_NAME_FIELD = FetchTopicResponse.TOPIC_FIELD_NUMBER;
    private static final int PARTITIONS_FIELD = FetchTopicResponse.PARTITIONS_FIELD_NUMBER;
    private static final int RECORDS_FIELD = FetchPartitionResponse.RECORDS_FIELD_NUMBER;

    @Override
    public InputStream stream(FetchReply reply) {
        return new ReplyStream(reply);
    }

    /** Only the server sends replies; clients parse {@code FetchResponse} with the generated marshaller. */
    @Override
    public FetchReply parse(InputStream stream) {
        throw new UnsupportedOperationException("a FetchReply is only ever sent; parse a FetchResponse");
    }

    /** The encoded length of the whole message. */
    static int serializedSize(FetchReply reply) {
        int size = 0;
        for (FetchReply.Topic topic : reply.topics()) {
            size += lengthDelimitedSize(TOPICS_FIELD, topicSize(topic));
        }
        return size;
    }

    /** Writes the message ({@link #serializedSize} bytes) to {@code out}. */
    static void writeTo(FetchReply reply, OutputStream out) throws IOException {
        CodedOutputStream fields = CodedOutputStream.newInstance(out, FIELD_BUFFER_BYTES);
        byte[] chunk = CHUNK.get();
        for (FetchReply.Topic topic : reply.topics()) {
            fields.writeTag(TOPICS_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            fields.writeUInt32NoTag(topicSize(topic));
            if (!topic.topic().isEmpty()) {
                fields.writeString(TOPIC_NAME_FIELD, topic.topic());
            }
            for (FetchReply.Partition partition : topic.partitions()) {
                fields.writeTag(PARTITIONS_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                fields.writeUInt32NoTag(partitionSize(partition));
                partition.header().writeTo(fields);
                int records = partition.records().sizeInBytes();
                if (records > 0) {
                    fields.writeTag(RECORDS_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                    fields.writeUInt32NoTag(records);
                    fields.flush(); // the records go to the stream directly, after what is buffered
                    partition.records().writeTo(out, chunk);
                }
            }
        }
        fields.flush();
    }

    private static int topicSize(FetchReply.Topic topic) {
        int size = topic.topic().isEmpty() ? 0 : CodedOutputStream.computeStringSize(TOPIC_NAME_FIELD, topic.topic());
        for (FetchReply.Partition partition : topic.partitions()) {
            size += lengthDelimitedSize(PARTITIONS_FIELD, partitionSize(partition));
        }
        return size;
    }

    /** The header's fields, then the records (field 7; the header never carries them). */
    private static int partitionSize(FetchReply.Partition partition) {
        int records = partition.records().sizeInBytes();
        return partition.header().getSerializedSize() + (records > 0 ? lengthDelimitedSize(RECORDS_FIELD, records) : 0);
    }

    private static int lengthDelimitedSize(int field, int length) {
        return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
    }

    /**
     * The reply as gRPC asks for it: it drains a {@link Drainable} of {@link KnownLength} straight
     * into its buffers. Plain reads (other transports) get the bytes encoded into an array first.
     */
    private static final class ReplyStream extends InputStream implements Drainable, KnownLength {
        private final int size;
        /** The reply until its bytes are written out or encoded for reading; then null. */
        private FetchReply reply;
        /** The bytes not read yet, once the reply is encoded for plain reads (or drained). */
        private ByteArrayInputStream unread;

        ReplyStream(FetchReply reply) {
            this.reply = reply;
            this.size = serializedSize(reply);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            if (reply == null) {
                return (int) unread.transferTo(target);
            }
            FetchReply sending = reply;
            reply = null;
            unread = new ByteArrayInputStream(new byte[0]);
            writeTo(sending, target);
            return size;
        }

        @Override
        public int available() throws IOException {
            return reply != null ? size : unread.available();
        }

        @Override
        public int read() throws IOException {
            return unread().read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return unread().read(buffer, offset, length);
        }

        private ByteArrayInputStream unread() throws IOException {
            if (reply != null) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
                writeTo(reply, bytes);
                reply = null;
                unread = new ByteArrayInputStream(bytes.toByteArray());
            }
            return unread;
        }
    }
}
