package io.tributary.metadata;

import io.tributary.proto.metadata.v1.AllocateProducerIdsCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.ProducerIdsRecord;
import io.tributary.proto.v1.ErrorCode;
import java.util.List;
import java.util.Optional;

/**
 * Hands out blocks of {@value #BLOCK_SIZE} producer ids; pure. The block's first id is not decided
 * here but stamped at apply time from the state ({@link MetadataController#applyBatch}), so two
 * allocations validated concurrently get consecutive blocks instead of conflicting: ids are
 * monotonic and never handed out twice.
 */
public final class ProducerIdControlManager {
    public static final int BLOCK_SIZE = 1000;

    private ProducerIdControlManager() {
    }

    /** Checks the broker epoch (stale or unknown: INVALID_REQUEST) and room for another block. */
    public static ControllerResult generateAllocateProducerIds(MetadataImage image, AllocateProducerIdsCommand command) {
        Optional<MetadataCommandResult> error = BrokerControlManager.epochError(image, command.getBrokerId(),
                command.getBrokerEpoch());
        if (error.isPresent()) {
            return ControllerResult.rejected(error.get());
        }
        if (image.nextProducerId() > Long.MAX_VALUE - 2L * BLOCK_SIZE) {
            return ControllerResult.rejected(Records.error(ErrorCode.UNKNOWN_SERVER_ERROR,
                    "producer ids exhausted at " + image.nextProducerId()));
        }
        ProducerIdsRecord record = ProducerIdsRecord.newBuilder().setBrokerId(command.getBrokerId())
                .setBrokerEpoch(command.getBrokerEpoch()).setNextProducerId(image.nextProducerId()).build();
        return new ControllerResult(List.of(MetadataRecord.newBuilder().setProducerIds(record).build()), Records.ok());
    }
}
