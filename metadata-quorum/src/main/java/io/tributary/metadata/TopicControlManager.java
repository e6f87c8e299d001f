package io.tributary.metadata;

import io.tributary.metadata.config.TopicConfigs;
import io.tributary.proto.TopicNames;
import io.tributary.proto.metadata.v1.CreateTopicCommand;
import io.tributary.proto.metadata.v1.DeleteTopicCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.v1.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Decides CreateTopic and DeleteTopic commands against an image; pure and deterministic.
 *
 * <table>
 *   <caption>checks, in order</caption>
 *   <tr><th>command</th><th>check</th><th>error</th></tr>
 *   <tr><td>create</td><td>{@link TopicNames#validationError}</td><td>INVALID_TOPIC_NAME</td></tr>
 *   <tr><td>create</td><td>name unused</td><td>TOPIC_ALREADY_EXISTS</td></tr>
 *   <tr><td>create</td><td>1 &lt;= partitions &lt;= {@value #MAX_PARTITIONS}</td><td>INVALID_PARTITIONS</td></tr>
 *   <tr><td>create</td><td>1 &lt;= RF &lt;= registered brokers</td><td>INVALID_REPLICATION_FACTOR</td></tr>
 *   <tr><td>create</td><td>{@link TopicConfigs#validationError}</td><td>INVALID_CONFIG</td></tr>
 *   <tr><td>delete</td><td>topic exists</td><td>UNKNOWN_TOPIC_OR_PARTITION</td></tr>
 * </table>
 */
public final class TopicControlManager {
    public static final int MAX_PARTITIONS = 10_000;

    private TopicControlManager() {
    }

    /**
     * Creates a topic: one TopicRecord, a PartitionRecord per partition, a ConfigRecord per
     * explicit config. The topic id is derived from (cluster id, name, {@code idSeed}); the caller
     * passes a seed never used before for this cluster (e.g. the leader's term and proposal count).
     */
    public static ControllerResult generateCreateTopic(MetadataImage image, CreateTopicCommand command,
                                                       String idSeed) {
        String name = command.getName();
        String nameError = TopicNames.validationError(name);
        if (nameError != null) {
            return reject(ErrorCode.INVALID_TOPIC_NAME, nameError);
        }
        if (image.topicsByName().containsKey(name)) {
            return reject(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + name + "' already exists");
        }
        int partitions = command.getNumPartitions();
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            return reject(ErrorCode.INVALID_PARTITIONS,
                    "number of partitions is " + partitions + ", must be between 1 and " + MAX_PARTITIONS);
        }
        int rf = command.getReplicationFactor();
        int brokers = image.brokers().size();
        if (rf < 1 || rf > brokers) {
            return reject(ErrorCode.INVALID_REPLICATION_FACTOR, "replication factor is " + rf
                    + ", must be between 1 and the number of registered brokers (" + brokers + ")");
        }
        Optional<String> configError = TopicConfigs.validationError(command.getConfigsMap());
        if (configError.isPresent()) {
            return reject(ErrorCode.INVALID_CONFIG, configError.get());
        }
        String topicId = topicId(image.clusterId(), name, idSeed);
        MetadataCommandResult ok = MetadataCommandResult.newBuilder().setTopicId(command.getValidateOnly() ? "" : topicId)
                .build();
        if (command.getValidateOnly()) {
            return new ControllerResult(List.of(), ok);
        }
        List<MetadataRecord> records = new ArrayList<>(1 + partitions + command.getConfigsCount());
        records.add(Records.topic(name, topicId));
        List<Integer> brokerIds = new ArrayList<>(image.brokers().keySet()); // sorted: the map is a TreeMap
        int shift = Math.floorMod(name.hashCode(), brokerIds.size());
        List<List<Integer>> assignments = ReplicaPlacer.place(brokerIds, partitions, rf, shift);
        for (int p = 0; p < partitions; p++) {
            List<Integer> replicas = assignments.get(p);
            records.add(Records.partition(topicId,
                    new PartitionRegistration(p, replicas, replicas, replicas.get(0), 0, 0)));
        }
        for (Map.Entry<String, String> e : new TreeMap<>(command.getConfigsMap()).entrySet()) {
            records.add(Records.config(topicId, e.getKey(), e.getValue()));
        }
        return new ControllerResult(records, ok);
    }

    /** Deletes a topic by name: one RemoveTopicRecord. */
    public static ControllerResult generateDeleteTopic(MetadataImage image, DeleteTopicCommand command) {
        TopicImage topic = image.topicsByName().get(command.getName());
        if (topic == null) {
            return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + command.getName() + "' does not exist");
        }
        return new ControllerResult(List.of(Records.removeTopic(topic.topicId())),
                MetadataCommandResult.newBuilder().setTopicId(topic.topicId()).build());
    }

    /** A name-based (type 3) UUID, written as Kafka writes topic ids: URL-safe base64, no padding. */
    static String topicId(String clusterId, String name, String idSeed) {
        UUID uuid = UUID.nameUUIDFromBytes(("tributary-topic\u0000" + clusterId + "\u0000" + name + "\u0000" + idSeed)
                .getBytes(StandardCharsets.UTF_8));
        ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }

    private static ControllerResult reject(ErrorCode code, String message) {
        return ControllerResult.rejected(Records.error(code, message));
    }
}
