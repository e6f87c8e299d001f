package io.tributary.metadata;

import io.tributary.metadata.config.TopicConfigs;
import io.tributary.proto.metadata.v1.BrokerEndpoint;
import io.tributary.proto.metadata.v1.ControlledShutdownCommand;
import io.tributary.proto.metadata.v1.FenceBrokerCommand;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.RegisterBrokerRecord;
import io.tributary.proto.metadata.v1.UnfenceBrokerCommand;
import io.tributary.proto.v1.BrokerHeartbeatRequest;
import io.tributary.proto.v1.BrokerHeartbeatResponse;
import io.tributary.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * Decides broker registrations, fencing, unfencing and controlled shutdown; pure. The broker epoch
 * is not decided here: it is the log index at which the registration is applied (see
 * {@link MetadataController#applyBatch}).
 *
 * <table>
 *   <caption>broker states and transitions (records in brackets)</caption>
 *   <tr><th>from</th><th>event</th><th>to</th></tr>
 *   <tr><td>-, any</td><td>register [partition changes moving it away, RegisterBroker fenced]</td><td>fenced</td></tr>
 *   <tr><td>fenced</td><td>heartbeat, metadata_offset &gt;= broker epoch [change fenced=false,
 *       elections of leaderless partitions it replicates]</td><td>unfenced</td></tr>
 *   <tr><td>unfenced</td><td>lease expired [partition changes moving it away, change fenced=true]</td><td>fenced</td></tr>
 *   <tr><td>any</td><td>controlled shutdown [partition changes moving it away, change fenced=true,
 *       in_controlled_shutdown=true]</td><td>fenced, shutting down (only a new registration leaves it)</td></tr>
 * </table>
 * A command naming an unknown broker or a stale broker epoch is rejected with INVALID_REQUEST (no
 * closer ErrorCode exists; the message says which) and changes nothing; the broker re-registers.
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
        List<MetadataRecord> records = new ArrayList<>();
        if (image.brokers().containsKey(request.getBrokerId())) {
            // A restart (possibly unclean): the old incarnation leads nothing from now on.
            records.addAll(moveAwayFrom(image, request.getBrokerId()));
        }
        RegisterBrokerRecord record = request.toBuilder().setBrokerEpoch(0).setFenced(true).build();
        records.add(MetadataRecord.newBuilder().setRegisterBroker(record).build());
        return new ControllerResult(records, Records.ok());
    }

    /** The broker's lease expired: move its leadership and ISR membership away, then fence it. */
    public static ControllerResult generateFenceBroker(MetadataImage image, FenceBrokerCommand command) {
        Optional<MetadataCommandResult> error = epochError(image, command.getBrokerId(), command.getBrokerEpoch());
        if (error.isPresent()) {
            return ControllerResult.rejected(error.get());
        }
        if (image.brokers().get(command.getBrokerId()).fenced()) {
            return new ControllerResult(List.of(), Records.ok());
        }
        List<MetadataRecord> records = moveAwayFrom(image, command.getBrokerId());
        records.add(Records.brokerChange(command.getBrokerId(), command.getBrokerEpoch(), true, null));
        return new ControllerResult(records, Records.ok());
    }

    /** A fenced broker caught up: unfence it and let it lead the leaderless partitions it can. */
    public static ControllerResult generateUnfenceBroker(MetadataImage image, UnfenceBrokerCommand command) {
        Optional<MetadataCommandResult> error = epochError(image, command.getBrokerId(), command.getBrokerEpoch());
        if (error.isPresent()) {
            return ControllerResult.rejected(error.get());
        }
        BrokerRegistration b = image.brokers().get(command.getBrokerId());
        if (b.inControlledShutdown()) {
            return reject("broker " + b.brokerId() + " is in controlled shutdown; it must register again");
        }
        if (!b.fenced()) {
            return new ControllerResult(List.of(), Records.ok());
        }
        List<MetadataRecord> records = new ArrayList<>();
        records.add(Records.brokerChange(b.brokerId(), b.brokerEpoch(), false, null));
        records.addAll(electLeaderless(image, b.brokerId()));
        return new ControllerResult(records, Records.ok());
    }

    /** The broker is stopping: move its leadership away, mark it shutting down and fence it. */
    public static ControllerResult generateControlledShutdown(MetadataImage image, ControlledShutdownCommand command) {
        Optional<MetadataCommandResult> error = epochError(image, command.getBrokerId(), command.getBrokerEpoch());
        if (error.isPresent()) {
            return ControllerResult.rejected(error.get());
        }
        BrokerRegistration b = image.brokers().get(command.getBrokerId());
        List<MetadataRecord> records = moveAwayFrom(image, b.brokerId());
        if (!b.fenced() || !b.inControlledShutdown()) {
            // Nothing can be led by an ineligible broker after the changes above, so fence at once.
            records.add(Records.brokerChange(b.brokerId(), b.brokerEpoch(), true, true));
        }
        return new ControllerResult(records, Records.ok());
    }

    /** Empty when {@code brokerId} is registered with {@code brokerEpoch}, else the error. */
    static Optional<MetadataCommandResult> epochError(MetadataImage image, int brokerId, long brokerEpoch) {
        BrokerRegistration b = image.brokers().get(brokerId);
        if (b == null) {
            return Optional.of(Records.error(ErrorCode.INVALID_REQUEST, "broker " + brokerId + " is not registered"));
        }
        if (b.brokerEpoch() != brokerEpoch) {
            return Optional.of(Records.error(ErrorCode.INVALID_REQUEST, "stale broker epoch " + brokerEpoch
                    + " for broker " + brokerId + " (current " + b.brokerEpoch() + "); register again"));
        }
        return Optional.empty();
    }

    // ---- heartbeats (the lease itself is kept by BrokerHeartbeatManager) ----

    /** The command a heartbeat calls for, if any; call only when {@link #heartbeatError} is empty. */
    public static Optional<MetadataCommand> heartbeatCommand(MetadataImage image, BrokerHeartbeatRequest request) {
        BrokerRegistration b = image.brokers().get(request.getBrokerId());
        if (b == null || b.brokerEpoch() != request.getBrokerEpoch()) {
            return Optional.empty();
        }
        if (request.getWantShutdown()) {
            if (!b.inControlledShutdown() || !b.fenced() || image.leaderships(b.brokerId()) > 0) {
                return Optional.of(MetadataCommand.newBuilder().setControlledShutdown(ControlledShutdownCommand
                        .newBuilder().setBrokerId(b.brokerId()).setBrokerEpoch(b.brokerEpoch())).build());
            }
            return Optional.empty();
        }
        if (b.fenced() && !b.inControlledShutdown() && isCaughtUp(b, request)) {
            return Optional.of(MetadataCommand.newBuilder().setUnfenceBroker(UnfenceBrokerCommand.newBuilder()
                    .setBrokerId(b.brokerId()).setBrokerEpoch(b.brokerEpoch())).build());
        }
        return Optional.empty();
    }

    /** Empty when the heartbeat's broker id and epoch match a registration, else the error answer. */
    public static Optional<BrokerHeartbeatResponse> heartbeatError(MetadataImage image, BrokerHeartbeatRequest request) {
        return epochError(image, request.getBrokerId(), request.getBrokerEpoch())
                .map(e -> BrokerHeartbeatResponse.newBuilder().setErrorCode(ErrorCode.forNumber(e.getErrorCode()))
                        .setErrorMessage(e.getErrorMessage()).setIsFenced(true).build());
    }

    /** The answer to a heartbeat, read from the image after any command it caused was applied. */
    public static BrokerHeartbeatResponse heartbeatResponse(MetadataImage image, BrokerHeartbeatRequest request) {
        Optional<BrokerHeartbeatResponse> error = heartbeatError(image, request);
        if (error.isPresent()) {
            return error.get();
        }
        BrokerRegistration b = image.brokers().get(request.getBrokerId());
        return BrokerHeartbeatResponse.newBuilder()
                .setIsFenced(b.fenced())
                .setIsCaughtUp(isCaughtUp(b, request))
                .setMetadataOffset(image.version())
                .setShouldShutdown(request.getWantShutdown() && b.inControlledShutdown()
                        && image.leaderships(b.brokerId()) == 0)
                .build();
    }

    /** Caught up: the broker has applied the log at least up to its own registration. */
    static boolean isCaughtUp(BrokerRegistration b, BrokerHeartbeatRequest request) {
        return request.getMetadataOffset() >= b.brokerEpoch();
    }

    // ---- partition changes caused by broker state ----

    /** Changes taking {@code brokerId} out of every ISR (but a last member) and every leadership. */
    static List<MetadataRecord> moveAwayFrom(MetadataImage image, int brokerId) {
        IntPredicate eligible = id -> id != brokerId && image.isEligibleLeader(id);
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : image.topicsByName().values()) {
            boolean unclean = uncleanElectionEnabled(topic);
            for (PartitionRegistration p : topic.partitions().values()) {
                if (p.leader() == brokerId || p.isr().contains(brokerId)) {
                    new PartitionChangeBuilder(topic.topicId(), p, eligible, unclean).removeFromIsr(brokerId)
                            .buildRecord().ifPresent(records::add);
                }
            }
        }
        return records;
    }

    /** Elections for the leaderless partitions {@code brokerId} replicates, counting it eligible. */
    static List<MetadataRecord> electLeaderless(MetadataImage image, int brokerId) {
        IntPredicate eligible = id -> id == brokerId || image.isEligibleLeader(id);
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : image.topicsByName().values()) {
            boolean unclean = uncleanElectionEnabled(topic);
            for (PartitionRegistration p : topic.partitions().values()) {
                if (!p.hasLeader() && p.replicas().contains(brokerId)) {
                    new PartitionChangeBuilder(topic.topicId(), p, eligible, unclean).buildRecord()
                            .ifPresent(records::add);
                }
            }
        }
        return records;
    }

    static boolean uncleanElectionEnabled(TopicImage topic) {
        return TopicConfigs.getBoolean(topic.configs(), TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE);
    }

    private static ControllerResult reject(String message) {
        return ControllerResult.rejected(Records.error(ErrorCode.INVALID_REQUEST, message));
    }
}
