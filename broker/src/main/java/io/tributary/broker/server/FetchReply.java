package io.tributary.broker.server;

import io.tributary.broker.log.LogSlice;
import io.tributary.proto.v1.FetchPartitionResponse;
import java.util.List;

/**
 * A fetch response whose records stay in the segment files until it is sent: {@link FetchReplyMarshaller}
 * writes it as the {@code FetchResponse} message of the wire contract, copying each partition's
 * {@link LogSlice} from its file straight into gRPC's transport buffers.
 */
public record FetchReply(List<Topic> topics) {
    /**
     * One partition's answer: every field of {@code FetchPartitionResponse} but the records in
     * {@code header}, and the records as a slice of the log.
     */
    public record Partition(FetchPartitionResponse header, LogSlice records) {
        static Partition withoutRecords(FetchPartitionResponse header) {
            return new Partition(header, LogSlice.EMPTY);
        }
    }

    public record Topic(String topic, List<Partition> partitions) {
    }

    /** The bytes of records the reply carries. */
    public long recordBytes() {
        long bytes = 0;
        for (Topic topic : topics) {
            for (Partition partition : topic.partitions()) {
                bytes += partition.records().sizeInBytes();
            }
        }
        return bytes;
    }
}
