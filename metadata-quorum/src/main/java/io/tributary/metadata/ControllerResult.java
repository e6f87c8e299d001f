package io.tributary.metadata;

import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.MetadataRecordBatch;
import java.util.List;
import java.util.Objects;

/** What a control manager decided for one command: the records to append and the answer. */
public record ControllerResult(List<MetadataRecord> records, MetadataCommandResult result) {
    public ControllerResult {
        records = List.copyOf(records);
        Objects.requireNonNull(result, "result");
    }

    public static ControllerResult rejected(MetadataCommandResult result) {
        return new ControllerResult(List.of(), result);
    }

    public boolean isError() {
        return result.getErrorCode() != 0;
    }

    public MetadataRecordBatch toBatch() {
        return MetadataRecordBatch.newBuilder().addAllRecords(records).setResult(result).build();
    }
}
