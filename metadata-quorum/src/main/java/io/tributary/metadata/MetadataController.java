package io.tributary.metadata;

import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.MetadataRecordBatch;
import io.tributary.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
 *       the log index, and replay the records.</li>
 * </ol>
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
        for (MetadataRecord record : stampBrokerEpochs(batch.getRecordsList(), offset)) {
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
                }
                case CONFIG -> {
                    if (!liveIds.contains(record.getConfig().getTopicId())) {
                        return Optional.of(unknownTopic(record.getConfig().getTopicId()));
                    }
                }
                case REGISTER_BROKER -> {
                    // always applicable: a registration replaces any previous one
                }
                default -> throw new IllegalStateException("metadata record without a body: " + record);
            }
        }
        return Optional.empty();
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
