package io.tributary.metadata;

import io.tributary.proto.metadata.v1.AlterPartitionCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.PartitionChangeRecord;
import io.tributary.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides a leader's AlterPartition request; pure. The leader knows which followers keep up (the
 * controller does not see fetches), the controller guards the request against staleness:
 *
 * <pre>
 * check                                               error
 * sender's broker epoch is its current registration   INVALID_REQUEST (a stale incarnation)
 * the partition exists                                UNKNOWN_TOPIC_OR_PARTITION
 * sender leads it, at the request's leader epoch      FENCED_LEADER_EPOCH / NOT_LEADER_OR_FOLLOWER
 * partition epoch is the current one                  INVALID_UPDATE_VERSION
 * new ISR holds the leader, only replicas, no dups    INVALID_REQUEST
 * every added member is unfenced, not shutting down   INELIGIBLE_REPLICA (KIP-841)
 * </pre>
 *
 * An accepted request becomes one PartitionChangeRecord with the ISR in replica order and the
 * partition epoch bumped; the leader epoch stays. Asking for the ISR the partition already has is
 * answered OK with no record.
 */
public final class IsrControlManager {
    private IsrControlManager() {
    }

    public static ControllerResult generateAlterPartition(MetadataImage image, AlterPartitionCommand command) {
        Optional<MetadataCommandResult> epochError = BrokerControlManager.epochError(image, command.getBrokerId(),
                command.getBrokerEpoch());
        if (epochError.isPresent()) {
            return ControllerResult.rejected(epochError.get());
        }
        Optional<TopicImage> topic = image.topicById(command.getTopicId());
        PartitionRegistration p = topic.map(t -> t.partitions().get(command.getPartition())).orElse(null);
        if (p == null) {
            return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + command.getTopicId() + "/"
                    + command.getPartition() + " does not exist");
        }
        String name = topic.get().name() + "-" + command.getPartition();
        if (command.getLeaderEpoch() != p.leaderEpoch()) {
            return reject(command.getLeaderEpoch() < p.leaderEpoch() ? ErrorCode.FENCED_LEADER_EPOCH
                    : ErrorCode.UNKNOWN_LEADER_EPOCH, name + " is at leader epoch " + p.leaderEpoch()
                    + ", the request at " + command.getLeaderEpoch());
        }
        if (p.leader() != command.getBrokerId()) {
            return reject(ErrorCode.NOT_LEADER_OR_FOLLOWER, "broker " + command.getBrokerId() + " does not lead "
                    + name + " (leader " + p.leader() + ")");
        }
        if (command.getPartitionEpoch() != p.partitionEpoch()) {
            return reject(ErrorCode.INVALID_UPDATE_VERSION, name + " is at partition epoch " + p.partitionEpoch()
                    + ", the request at " + command.getPartitionEpoch());
        }
        Set<Integer> requested = new HashSet<>(command.getNewIsrList());
        if (requested.size() != command.getNewIsrCount() || !requested.contains(p.leader())
                || !p.replicas().containsAll(requested)) {
            return reject(ErrorCode.INVALID_REQUEST, "ISR " + command.getNewIsrList() + " for " + name
                    + " must list distinct replicas of " + p.replicas() + " including the leader " + p.leader());
        }
        for (int member : requested) {
            if (!p.isr().contains(member) && !image.isEligibleLeader(member)) {
                return reject(ErrorCode.INELIGIBLE_REPLICA, "broker " + member + " cannot join the ISR of " + name
                        + ": it is fenced, shutting down or unregistered");
            }
        }
        List<Integer> isr = new ArrayList<>();
        for (int replica : p.replicas()) {
            if (requested.contains(replica)) {
                isr.add(replica);
            }
        }
        if (isr.equals(p.isr())) {
            return new ControllerResult(List.of(), Records.ok());
        }
        PartitionChangeRecord change = PartitionChangeRecord.newBuilder().setTopicId(command.getTopicId())
                .setPartition(command.getPartition()).setLeaderEpoch(p.leaderEpoch())
                .setPartitionEpoch(p.partitionEpoch() + 1).setIsrChanged(true).addAllIsr(isr).build();
        return new ControllerResult(List.of(MetadataRecord.newBuilder().setPartitionChange(change).build()),
                Records.ok());
    }

    private static ControllerResult reject(ErrorCode code, String message) {
        return ControllerResult.rejected(Records.error(code, message));
    }
}
