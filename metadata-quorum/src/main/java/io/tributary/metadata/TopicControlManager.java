package io.tributary.metadata;

import io.tributary.metadata.config.TopicConfigs;
import io.tributary.proto.TopicNames;
import io.tributary.proto.metadata.v1.AlterConfigsCommand;
import io.tributary.proto.metadata.v1.CreatePartitionsCommand;
import io.tributary.proto.metadata.v1.CreateTopicCommand;
import io.tributary.proto.metadata.v1.DeleteTopicCommand;
import io.tributary.proto.metadata.v1.ElectPreferredLeadersCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.v1.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Decides topic commands (create, delete, alter configs, leader elections) against an image; pure and
 * deterministic.
 *
 * <table>
 *   <caption>checks, in order</caption>
 *   <tr><th>command</th><th>check</th><th>error</th></tr>
 *   <tr><td>create</td><td>{@link TopicNames#validationError}</td><td>INVALID_TOPIC_NAME</td></tr>
 *   <tr><td>create</td><td>name unused</td><td>TOPIC_ALREADY_EXISTS</td></tr>
 *   <tr><td>create</td><td>1 &lt;= partitions &lt;= {@value #MAX_PARTITIONS}</td><td>INVALID_PARTITIONS</td></tr>
 *   <tr><td>create</td><td>1 &lt;= RF &lt;= registered brokers</td><td>INVALID_REPLICATION_FACTOR</td></tr>
 *   <tr><td>create</td><td>{@link TopicConfigs#validationError}</td><td>INVALID_CONFIG</td></tr>
 *   <tr><td>create, alter configs</td><td>min.insync.replicas &lt;= RF (else acks=all could never
 *       succeed)</td><td>INVALID_CONFIG</td></tr>
 *   <tr><td>delete</td><td>topic exists</td><td>UNKNOWN_TOPIC_OR_PARTITION</td></tr>
 *   <tr><td>alter configs</td><td>topic exists</td><td>UNKNOWN_TOPIC_OR_PARTITION</td></tr>
 *   <tr><td>alter configs</td><td>no key both set and deleted</td><td>INVALID_REQUEST</td></tr>
 *   <tr><td>alter configs</td><td>known keys, valid values (set and deleted keys)</td><td>INVALID_CONFIG</td></tr>
 *   <tr><td>elect preferred</td><td>every named topic exists</td><td>UNKNOWN_TOPIC_OR_PARTITION</td></tr>
 *   <tr><td>elect leaderless</td><td>-</td><td>-</td></tr>
 * </table>
 * Placement: replicas go round-robin over the unfenced brokers when there are at least RF of them,
 * else over all registered brokers; the leader is the first unfenced replica (none: no leader until
 * one is unfenced) and the ISR is all replicas.
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
        Optional<String> configError = TopicConfigs.validationError(command.getConfigsMap())
                .or(() -> minInsyncError(command.getConfigsMap(), rf));
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
        List<Integer> brokerIds = placementBrokers(image, rf);
        int shift = Math.floorMod(name.hashCode(), brokerIds.size());
        List<List<Integer>> assignments = ReplicaPlacer.place(brokerIds, partitions, rf, shift);
        for (int p = 0; p < partitions; p++) {
            records.add(partitionRecord(image, topicId, p, assignments.get(p)));
        }
        for (Map.Entry<String, String> e : new TreeMap<>(command.getConfigsMap()).entrySet()) {
            records.add(Records.config(topicId, e.getKey(), e.getValue()));
        }
        return new ControllerResult(records, ok);
    }

    /**
     * Grows a topic to {@code total_count} partitions: a PartitionRecord per new partition, placed
     * as creating the topic with that many partitions would have placed them, with the replication
     * factor of its partition 0. A count never shrinks (records of a partition cannot move).
     */
    public static ControllerResult generateCreatePartitions(MetadataImage image, CreatePartitionsCommand command) {
        TopicImage topic = image.topicsByName().get(command.getTopic());
        if (topic == null) {
            return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no topic '" + command.getTopic() + "'");
        }
        int current = topic.numPartitions();
        int total = command.getTotalCount();
        if (total <= current) {
            return reject(ErrorCode.INVALID_PARTITIONS, "topic '" + command.getTopic() + "' has " + current
                    + " partitions: the count can only grow, and " + total + " is not more");
        }
        if (total > MAX_PARTITIONS) {
            return reject(ErrorCode.INVALID_PARTITIONS, "number of partitions is " + total + ", must be at most "
                    + MAX_PARTITIONS);
        }
        int rf = topic.partitions().get(0).replicas().size();
        List<Integer> brokerIds = placementBrokers(image, rf);
        if (brokerIds.size() < rf) {
            return reject(ErrorCode.INVALID_REPLICATION_FACTOR, "the topic's replication factor is " + rf
                    + " but only " + brokerIds.size() + " brokers are registered");
        }
        MetadataCommandResult ok = MetadataCommandResult.newBuilder().setTopicId(topic.topicId()).build();
        if (command.getValidateOnly()) {
            return new ControllerResult(List.of(), ok);
        }
        int shift = Math.floorMod(command.getTopic().hashCode(), brokerIds.size());
        List<List<Integer>> assignments = ReplicaPlacer.place(brokerIds, total, rf, shift);
        List<MetadataRecord> records = new ArrayList<>(total - current);
        for (int p = current; p < total; p++) {
            records.add(partitionRecord(image, topic.topicId(), p, assignments.get(p)));
        }
        return new ControllerResult(records, ok);
    }

    /** The brokers replicas go to: the eligible leaders, or every registered broker when too few are. */
    private static List<Integer> placementBrokers(MetadataImage image, int rf) {
        List<Integer> brokerIds = new ArrayList<>(); // sorted: the map is a TreeMap
        image.brokers().values().stream().filter(BrokerRegistration::isEligibleLeader)
                .forEach(b -> brokerIds.add(b.brokerId()));
        if (brokerIds.size() < rf) {
            brokerIds.clear();
            brokerIds.addAll(image.brokers().keySet());
        }
        return brokerIds;
    }

    private static MetadataRecord partitionRecord(MetadataImage image, String topicId, int partition,
                                                  List<Integer> replicas) {
        int leader = replicas.stream().filter(image::isEligibleLeader).findFirst().orElse(PartitionRegistration.NO_LEADER);
        return Records.partition(topicId, new PartitionRegistration(partition, replicas, replicas, leader, 0, 0));
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

    /** Incremental config change: set some keys, remove others; validated like a create. */
    public static ControllerResult generateAlterConfigs(MetadataImage image, AlterConfigsCommand command) {
        TopicImage topic = image.topicsByName().get(command.getTopic());
        if (topic == null) {
            return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + command.getTopic() + "' does not exist");
        }
        for (String key : command.getDeleteList()) {
            if (command.getSetMap().containsKey(key)) {
                return reject(ErrorCode.INVALID_REQUEST, "topic config '" + key + "' is both set and deleted");
            }
            if (!TopicConfigs.isKnown(key)) {
                return reject(ErrorCode.INVALID_CONFIG, "unknown topic config '" + key + "'");
            }
        }
        int rf = topic.partitions().values().stream().mapToInt(p -> p.replicas().size()).min().orElse(1);
        Optional<String> configError = TopicConfigs.validationError(command.getSetMap())
                .or(() -> minInsyncError(command.getSetMap(), rf));
        if (configError.isPresent()) {
            return reject(ErrorCode.INVALID_CONFIG, configError.get());
        }
        MetadataCommandResult ok = MetadataCommandResult.newBuilder().setTopicId(topic.topicId()).build();
        if (command.getValidateOnly()) {
            return new ControllerResult(List.of(), ok);
        }
        List<MetadataRecord> records = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(command.getSetMap()).entrySet()) {
            if (!e.getValue().equals(topic.configs().get(e.getKey()))) {
                records.add(Records.config(topic.topicId(), e.getKey(), e.getValue()));
            }
        }
        for (String key : new java.util.TreeSet<>(command.getDeleteList())) {
            if (topic.configs().containsKey(key)) {
                records.add(Records.config(topic.topicId(), key, null));
            }
        }
        return new ControllerResult(records, ok);
    }

    /** Moves leadership to each partition's first replica where it is eligible and in the ISR. */
    public static ControllerResult generateElectPreferredLeaders(MetadataImage image,
                                                                 ElectPreferredLeadersCommand command) {
        Set<String> names = new HashSet<>(command.getTopicsList());
        for (String name : names) {
            if (!image.topicsByName().containsKey(name)) {
                return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
            }
        }
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : image.topicsByName().values()) {
            if (!names.isEmpty() && !names.contains(topic.name())) {
                continue;
            }
            boolean unclean = BrokerControlManager.uncleanElectionEnabled(topic);
            for (PartitionRegistration p : topic.partitions().values()) {
                new PartitionChangeBuilder(topic.topicId(), p, image::isEligibleLeader, unclean)
                        .electPreferredLeader().buildRecord().ifPresent(records::add);
            }
        }
        return new ControllerResult(records, Records.ok());
    }

    /**
     * Elects a leader for every leaderless partition that one of its replicas can lead (clean, or
     * unclean where the topic allows it); issued by the active controller's periodic check.
     */
    public static ControllerResult generateElectLeaderless(MetadataImage image) {
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : image.topicsByName().values()) {
            boolean unclean = BrokerControlManager.uncleanElectionEnabled(topic);
            for (PartitionRegistration p : topic.partitions().values()) {
                if (!p.hasLeader()) {
                    new PartitionChangeBuilder(topic.topicId(), p, image::isEligibleLeader, unclean).buildRecord()
                            .ifPresent(records::add);
                }
            }
        }
        return new ControllerResult(records, Records.ok());
    }

    /** A name-based (type 3) UUID, written as Kafka writes topic ids: URL-safe base64, no padding. */
    static String topicId(String clusterId, String name, String idSeed) {
        UUID uuid = UUID.nameUUIDFromBytes(("tributary-topic\u0000" + clusterId + "\u0000" + name + "\u0000" + idSeed)
                .getBytes(StandardCharsets.UTF_8));
        ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }

    /** A min.insync.replicas above the replication factor: acks=all produces could never succeed. */
    private static Optional<String> minInsyncError(Map<String, String> configs, int replicationFactor) {
        String value = configs.get(TopicConfigs.MIN_INSYNC_REPLICAS);
        if (value != null && Long.parseLong(value) > replicationFactor) {
            return Optional.of(TopicConfigs.MIN_INSYNC_REPLICAS + "=" + value + " exceeds the replication factor "
                    + replicationFactor + ": acks=all produces would always fail with NOT_ENOUGH_REPLICAS");
        }
        return Optional.empty();
    }

    private static ControllerResult reject(ErrorCode code, String message) {
        return ControllerResult.rejected(Records.error(code, message));
    }
}
