package io.tributary.metadata;

import io.tributary.proto.metadata.v1.BrokerEndpoint;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.RegisterBrokerRecord;
import io.tributary.proto.v1.ErrorCode;
import java.util.List;

/**
 * Decides broker registrations; pure. A registration for a known broker id replaces the old one.
 * The broker epoch is not decided here: it is the log index at which the record is applied
 * (see {@link MetadataController#applyBatch}).
 */
public final class BrokerControlManager {
    private BrokerControlManager() {
    }

    public static ControllerResult generateRegisterBroker(MetadataImage image, RegisterBrokerRecord request) {
        if (request.getBrokerId() < 0) {
            return reject("broker id must be >= 0, got " + request.getBrokerId());
        }
        if (request.getIncarnationId().isEmpty()) {
            return reject("broker " + request.getBrokerId() + " registered without an incarnation id");
        }
        for (BrokerEndpoint e : request.getEndpointsList()) {
            if (e.getName().isEmpty() || e.getHost().isEmpty() || e.getPort() <= 0 || e.getPort() > 65535) {
                return reject("broker " + request.getBrokerId() + " has an invalid endpoint: name='"
                        + e.getName() + "' host='" + e.getHost() + "' port=" + e.getPort());
            }
        }
        RegisterBrokerRecord record = request.toBuilder().setBrokerEpoch(0).build();
        return new ControllerResult(List.of(MetadataRecord.newBuilder().setRegisterBroker(record).build()),
                Records.ok());
    }

    private static ControllerResult reject(String message) {
        return ControllerResult.rejected(Records.error(ErrorCode.INVALID_REQUEST, message));
    }
}
