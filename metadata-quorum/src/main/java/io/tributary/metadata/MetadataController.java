package io.tributary.metadata;

import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.MetadataRecordBatch;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.metadata.v1.PartitionChangeRecord;
import io.tributary.proto.metadata.v1.PartitionRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The controller's two pure steps around the Raft log.
 *
 * <ol>
 *   <li>{@link #generate} (leader, before the log): validate a command against the latest applied
 *       image and turn it into a batch of records plus the answer. A rejected command yields a
 *       batch with no records and the error.</li>
 *   <li>{@link #applyBatch} (every node, in log order): re-check that the batch still fits the
 *       state (commands validated concurrently may conflict: two creates of one name, two deletes
 *       of one topic; the later one in the log loses, deterministically), stamp broker epochs with
 *       the log index and producer-id blocks with the next free id, and replay the records.</li>
 * </ol>
 * A partition change decided on an older image applies only if the partition epoch it was decided
 * for is still current; a broker change only if the broker epoch is; else the whole batch is
 * answered with the conflict and changes nothing (the active controller decides again).
 */
public final class MetadataController {
    private MetadataController() {
    }

    /** Validates {@code command} against {@code image}; {@code idSeed} must be unique per proposal. */
    public static ControllerResult generate(MetadataImage image, MetadataCommand command, String idSeed) {
        return switch (command.getCommandCase()) {
            case CREATE_TOPIC -> TopicControlManager.generateCreateTopic(image, command.getCreateTopic(), idSeed);
            case DELETE_TOPIC -> TopicControlManager.generateDeleteTopic(image, command.getDeleteTopic());
            case REGISTER_BROKER -> BrokerControlManager.generateRegisterBroker(image, command.getRegisterBroker());
            case FENCE_BROKER -> BrokerControlManager.generateFenceBroker(image, command.getFenceBroker());
            case UNFENCE_BROKER -> BrokerControlManager.generateUnfenceBroker(image, command.getUnfenceBroker());
            case CONTROLLED_SHUTDOWN ->
                    BrokerControlManager.generateControlledShutdown(image, command.getControlledShutdown());
            case ELECT_PREFERRED_LEADERS ->
                    TopicControlManager.generateElectPreferredLeaders(image, command.getElectPreferredLeaders());
            case ALLOCATE_PRODUCER_IDS ->
                    ProducerIdControlManager.generateAllocateProducerIds(image, command.getAllocateProducerIds());
            case ALTER_CONFIGS -> TopicControlManager.generateAlterConfigs(image, command.getAlterConfigs());
            case ELECT_LEADERLESS -> TopicControlManager.generateElectLeaderless(image);
            case ALTER_PARTITION -> IsrControlManager.generateAlterPartition(image, command.getAlterPartition());
            case CREATE_PARTITIONS -> TopicControlManager.generateCreatePartitions(image, command.getCreatePartitions());
            default -> ControllerResult.rejected(Records.error(ErrorCode.INVALID_REQUEST, "empty metadata command"));
        };
    }

    /**
     * Applies the batch found at log index {@code offset} and returns the answer for its command.
     * A replay failure (a bug or a corrupt log) is thrown and must be treated as fatal.
     */
    public static MetadataCommandResult applyBatch(ClusterMetadata state, MetadataRecordBatch batch, long offset) {
        MetadataCommandResult.Builder result = batch.getResult().toBuilder().setLogIndex(offset);
        if (batch.getRecordsCount() == 0) {
            state.advanceTo(offset);
            return result.build();
        }
        Optional<MetadataCommandResult> conflict = checkApplicable(state.image(), batch.getRecordsList());
        if (conflict.isPresent()) {
            state.advanceTo(offset);
            return conflict.get().toBuilder().setLogIndex(offset).build();
        }
        MetadataImage before = state.image();
        for (MetadataRecord record : stampBrokerEpochs(batch.getRecordsList(), offset)) {
            if (record.hasPartition()) {
                record = stampLeader(before, record);
            }
            if (record.hasProducerIds()) {
                long first = state.nextProducerId();
                record = record.toBuilder().setProducerIds(record.getProducerIds().toBuilder()
                        .setNextProducerId(first)).build();
                result.setFirstProducerId(first);
            }
            state.replay(record, offset);
            if (record.hasRegisterBroker()) {
                result.setBrokerEpoch(record.getRegisterBroker().getBrokerEpoch());
            }
        }
        return result.build();
    }

    /** Empty when every record of a batch can be replayed on {@code image}, else the error to answer. */
    static Optional<MetadataCommandResult> checkApplicable(MetadataImage image, List<MetadataRecord> records) {
        Set<String> liveIds = new HashSet<>();
        Set<String> liveNames = new HashSet<>(image.topicsByName().keySet());
        image.topicsByName().values().forEach(t -> liveIds.add(t.topicId()));
        Map<String, Integer> partitionEpochs = new HashMap<>(); // changes earlier in this batch
        Set<Integer> unfencedInBatch = new HashSet<>(); // an unfence earlier in the batch makes a broker eligible
        for (MetadataRecord record : records) {
            switch (record.getRecordCase()) {
                case TOPIC -> {
                    if (liveNames.contains(record.getTopic().getName())) {
                        return Optional.of(Records.error(ErrorCode.TOPIC_ALREADY_EXISTS,
                                "topic '" + record.getTopic().getName() + "' already exists"));
                    }
                    if (!liveIds.add(record.getTopic().getTopicId())) {
                        return Optional.of(Records.error(ErrorCode.TOPIC_ALREADY_EXISTS,
                                "topic id " + record.getTopic().getTopicId() + " is already in use"));
                    }
                    liveNames.add(record.getTopic().getName());
                }
                case REMOVE_TOPIC -> {
                    if (!liveIds.remove(record.getRemoveTopic().getTopicId())) {
                        return Optional.of(unknownTopic(record.getRemoveTopic().getTopicId()));
                    }
                    image.topicById(record.getRemoveTopic().getTopicId()).ifPresent(t -> liveNames.remove(t.name()));
                }
                case PARTITION -> {
                    if (!liveIds.contains(record.getPartition().getTopicId())) {
                        return Optional.of(unknownTopic(record.getPartition().getTopicId()));
                    }
                    // a partition is created once: two growths decided on the same image add the same ones
                    Optional<TopicImage> existing = image.topicById(record.getPartition().getTopicId());
                    if (existing.isPresent() && existing.get().partitions().containsKey(record.getPartition().getPartition())) {
                        return Optional.of(Records.error(ErrorCode.INVALID_PARTITIONS, "topic '" + existing.get().name()
                                + "' changed concurrently: it has " + existing.get().numPartitions() + " partitions now"));
                    }
                }
                case CONFIG -> {
                    if (!liveIds.contains(record.getConfig().getTopicId())) {
                        return Optional.of(unknownTopic(record.getConfig().getTopicId()));
                    }
                }
                case REGISTER_BROKER -> {
                    // always applicable: a registration replaces any previous one
                }
                case PARTITION_CHANGE -> {
                    Optional<MetadataCommandResult> stale = checkPartitionChange(image, record.getPartitionChange(),
                            partitionEpochs, unfencedInBatch);
                    if (stale.isPresent()) {
                        return stale;
                    }
                }
                case BROKER_REGISTRATION_CHANGE -> {
                    Optional<MetadataCommandResult> stale = BrokerControlManager.epochError(image,
                            record.getBrokerRegistrationChange().getBrokerId(),
                            record.getBrokerRegistrationChange().getBrokerEpoch());
                    if (stale.isPresent()) {
                        return stale;
                    }
                    if (record.getBrokerRegistrationChange().hasFenced() && !record.getBrokerRegistrationChange().getFenced()) {
                        unfencedInBatch.add(record.getBrokerRegistrationChange().getBrokerId());
                    }
                }
                case PRODUCER_IDS -> {
                    Optional<MetadataCommandResult> stale = BrokerControlManager.epochError(image,
                            record.getProducerIds().getBrokerId(), record.getProducerIds().getBrokerEpoch());
                    if (stale.isPresent()) {
                        return stale;
                    }
                }
                default -> throw new IllegalStateException("metadata record without a body: " + record);
            }
        }
        return checkLeadershipMovedAway(image, records);
    }

    /**
     * A batch that makes a broker ineligible (fences it, starts its controlled shutdown, or
     * replaces its registration) must carry exactly the partition changes that move leadership and
     * ISR membership away from it on the current image: a partition created or changed since the
     * decision would otherwise keep a fenced leader. Else the batch is a conflict.
     */
    private static Optional<MetadataCommandResult> checkLeadershipMovedAway(MetadataImage image,
                                                                            List<MetadataRecord> records) {
        int brokerId = -1;
        List<MetadataRecord> changes = new ArrayList<>();
        for (MetadataRecord record : records) {
            if (record.hasBrokerRegistrationChange()) {
                var change = record.getBrokerRegistrationChange();
                if (change.getFenced() || change.getInControlledShutdown()) {
                    brokerId = change.getBrokerId();
                }
            } else if (record.hasRegisterBroker() && image.brokers().containsKey(record.getRegisterBroker()
                    .getBrokerId())) {
                brokerId = record.getRegisterBroker().getBrokerId();
            } else if (record.hasPartitionChange()) {
                changes.add(record);
            }
        }
        if (brokerId < 0 || changes.equals(BrokerControlManager.moveAwayFrom(image, brokerId))) {
            return Optional.empty();
        }
        // INVALID_UPDATE_VERSION (decided on a version no longer current): the sender decides again,
        // as a broker re-registering at start-up does (an INVALID_REQUEST failed its start)
        return Optional.of(Records.error(ErrorCode.INVALID_UPDATE_VERSION, "the partitions of broker " + brokerId
                + " changed since the decision; decide again"));
    }

    private static Optional<MetadataCommandResult> checkPartitionChange(MetadataImage image, PartitionChangeRecord r,
                                                                        Map<String, Integer> partitionEpochs,
                                                                        Set<Integer> unfencedInBatch) {
        Optional<TopicImage> topic = image.topicById(r.getTopicId());
        PartitionRegistration p = topic.map(t -> t.partitions().get(r.getPartition())).orElse(null);
        if (p == null) {
            return Optional.of(Records.error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                    "partition " + r.getTopicId() + "/" + r.getPartition() + " no longer exists"));
        }
        String key = r.getTopicId() + "/" + r.getPartition();
        int current = partitionEpochs.getOrDefault(key, p.partitionEpoch());
        if (r.getPartitionEpoch() != current + 1) {
            // A concurrent change won; the caller decides again on a newer image.
            return Optional.of(Records.error(ErrorCode.INVALID_UPDATE_VERSION, "partition " + topic.get().name() + "-"
                    + r.getPartition() + " changed concurrently (partition epoch " + current + ", change decided for "
                    + (r.getPartitionEpoch() - 1) + ")"));
        }
        if (r.getIsrChanged()) {
            for (int member : r.getIsrList()) {
                if (!p.isr().contains(member) && !image.isEligibleLeader(member) && !unfencedInBatch.contains(member)) {
                    // decided while the broker was eligible, fenced (or shutting down) since: an ISR
                    // must never gain a member the controller already counts as gone
                    return Optional.of(Records.error(ErrorCode.INELIGIBLE_REPLICA, "broker " + member
                            + " cannot join the ISR of " + topic.get().name() + "-" + r.getPartition()
                            + ": it was fenced, began shutting down or left since the change was decided"));
                }
            }
        }
        partitionEpochs.put(key, r.getPartitionEpoch());
        return Optional.empty();
    }

    /**
     * A new partition's leader, re-checked at apply: a create decided on an older image may name a
     * broker fenced since; then the first eligible ISR member leads, or none. Deterministic, as the
     * state is the same on every node.
     */
    static MetadataRecord stampLeader(MetadataImage image, MetadataRecord record) {
        PartitionRecord p = record.getPartition();
        if (p.getLeader() == PartitionRegistration.NO_LEADER || image.isEligibleLeader(p.getLeader())) {
            return record;
        }
        int leader = p.getIsrList().stream().filter(image::isEligibleLeader).findFirst()
                .orElse(PartitionRegistration.NO_LEADER);
        return record.toBuilder().setPartition(p.toBuilder().setLeader(leader)).build();
    }

    /** Sets broker_epoch of every RegisterBrokerRecord to the log index it is applied at. */
    static List<MetadataRecord> stampBrokerEpochs(List<MetadataRecord> records, long offset) {
        List<MetadataRecord> stamped = new ArrayList<>(records.size());
        for (MetadataRecord record : records) {
            if (record.hasRegisterBroker()) {
                record = record.toBuilder()
                        .setRegisterBroker(record.getRegisterBroker().toBuilder().setBrokerEpoch(offset)).build();
            }
            stamped.add(record);
        }
        return stamped;
    }

    private static MetadataCommandResult unknownTopic(String topicId) {
        return Records.error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic id " + topicId + " no longer exists");
    }
}
