package io.tributary.metadata;

import io.tributary.proto.metadata.v1.BrokerEndpoint;
import io.tributary.proto.metadata.v1.BrokerRegistrationChangeRecord;
import io.tributary.proto.metadata.v1.ConfigRecord;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.PartitionChangeRecord;
import io.tributary.proto.metadata.v1.PartitionRecord;
import io.tributary.proto.metadata.v1.ProducerIdsRecord;
import io.tributary.proto.metadata.v1.RegisterBrokerRecord;
import io.tributary.proto.metadata.v1.RemoveTopicRecord;
import io.tributary.proto.metadata.v1.TopicRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The mutable metadata state of one quorum node: pure (no I/O, no clock), owned by the apply
 * thread. {@link #replay} is the only way its metadata changes; {@link #image()} produces the
 * immutable view everyone else reads.
 *
 * <table>
 *   <caption>replay rules (a violation is a bug or a corrupt log: replay throws, which is fatal)</caption>
 *   <tr><th>record</th><th>precondition</th><th>effect</th></tr>
 *   <tr><td>RegisterBroker</td><td>-</td><td>adds or replaces the broker's registration</td></tr>
 *   <tr><td>BrokerRegistrationChange</td><td>-</td><td>sets fenced / in_controlled_shutdown where
 *       present; a no-op when the broker is unknown or its epoch differs (stale)</td></tr>
 *   <tr><td>Topic</td><td>name and id unused</td><td>adds an empty topic</td></tr>
 *   <tr><td>Partition</td><td>topic id exists</td><td>adds or replaces the partition</td></tr>
 *   <tr><td>PartitionChange</td><td>partition exists, epochs do not decrease</td>
 *       <td>sets leader (if present), ISR (if isr_changed), leader and partition epochs</td></tr>
 *   <tr><td>ProducerIds</td><td>next_producer_id &gt;= the next unallocated id</td>
 *       <td>the next unallocated id becomes next_producer_id + {@value ProducerIdControlManager#BLOCK_SIZE}</td></tr>
 *   <tr><td>Config</td><td>topic id exists</td><td>sets (value present) or removes the key</td></tr>
 *   <tr><td>RemoveTopic</td><td>topic id exists</td><td>removes the topic, its partitions and configs</td></tr>
 * </table>
 */
public final class ClusterMetadata {
    private final String clusterId;
    private final Map<Integer, BrokerRegistration> brokers = new TreeMap<>();
    private final Map<String, TopicState> topicsById = new HashMap<>();
    private final Map<String, String> topicIdsByName = new TreeMap<>();
    private long highestOffset;
    private ProducerIdsRecord lastProducerIds; // the latest block handed out, null when none
    private MetadataImage cachedImage;

    private static final class TopicState {
        final String name;
        final String topicId;
        final Map<Integer, PartitionRegistration> partitions = new TreeMap<>();
        final Map<String, String> configs = new TreeMap<>();
        TopicImage cachedImage;

        TopicState(String name, String topicId) {
            this.name = name;
            this.topicId = topicId;
        }

        TopicImage image() {
            if (cachedImage == null) {
                cachedImage = new TopicImage(name, topicId, partitions, configs);
            }
            return cachedImage;
        }
    }

    public ClusterMetadata(String clusterId) {
        this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
    }

    public String clusterId() {
        return clusterId;
    }

    /** The highest offset replayed or {@link #advanceTo advanced to}. */
    public long highestOffset() {
        return highestOffset;
    }

    /**
     * Applies one record found at {@code offset} of the log (or of a snapshot taken at that
     * offset). Throws {@link IllegalStateException} when the record does not fit the state.
     */
    public void replay(MetadataRecord record, long offset) {
        if (offset < highestOffset) {
            throw new IllegalStateException("replay at offset " + offset + " after offset " + highestOffset);
        }
        switch (record.getRecordCase()) {
            case REGISTER_BROKER -> replayRegisterBroker(record.getRegisterBroker());
            case TOPIC -> replayTopic(record.getTopic());
            case PARTITION -> replayPartition(record.getPartition());
            case REMOVE_TOPIC -> replayRemoveTopic(record.getRemoveTopic());
            case CONFIG -> replayConfig(record.getConfig());
            case BROKER_REGISTRATION_CHANGE -> replayBrokerChange(record.getBrokerRegistrationChange());
            case PARTITION_CHANGE -> replayPartitionChange(record.getPartitionChange());
            case PRODUCER_IDS -> replayProducerIds(record.getProducerIds());
            default -> throw new IllegalStateException("metadata record without a body at offset " + offset);
        }
        highestOffset = offset;
        cachedImage = null;
    }

    /** Records that the entry at {@code offset} was applied without records; metadata is unchanged. */
    public void advanceTo(long offset) {
        if (offset < highestOffset) {
            throw new IllegalStateException("advance to offset " + offset + " after offset " + highestOffset);
        }
        if (offset != highestOffset) {
            highestOffset = offset;
            cachedImage = null;
        }
    }

    private void replayRegisterBroker(RegisterBrokerRecord r) {
        List<Endpoint> endpoints = new ArrayList<>(r.getEndpointsCount());
        for (BrokerEndpoint e : r.getEndpointsList()) {
            endpoints.add(new Endpoint(e.getName(), e.getHost(), e.getPort()));
        }
        brokers.put(r.getBrokerId(), new BrokerRegistration(r.getBrokerId(), r.getIncarnationId(),
                r.getBrokerEpoch(), endpoints, r.getRack(), r.getFenced(), false));
    }

    private void replayBrokerChange(BrokerRegistrationChangeRecord r) {
        BrokerRegistration b = brokers.get(r.getBrokerId());
        if (b == null || b.brokerEpoch() != r.getBrokerEpoch()) {
            return; // stale: the registration it was decided for was replaced
        }
        brokers.put(b.brokerId(), new BrokerRegistration(b.brokerId(), b.incarnationId(), b.brokerEpoch(),
                b.endpoints(), b.rack(), r.hasFenced() ? r.getFenced() : b.fenced(),
                r.hasInControlledShutdown() ? r.getInControlledShutdown() : b.inControlledShutdown()));
    }

    private void replayPartitionChange(PartitionChangeRecord r) {
        TopicState topic = topicOrThrow(r.getTopicId());
        PartitionRegistration p = topic.partitions.get(r.getPartition());
        if (p == null) {
            throw new IllegalStateException("unknown partition " + r.getTopicId() + "/" + r.getPartition());
        }
        if (r.getLeaderEpoch() < p.leaderEpoch() || r.getPartitionEpoch() <= p.partitionEpoch()) {
            throw new IllegalStateException("partition change " + r + " does not advance " + p);
        }
        List<Integer> isr = r.getIsrChanged() ? r.getIsrList() : p.isr();
        if (isr.isEmpty()) {
            throw new IllegalStateException("partition change " + r + " empties the ISR");
        }
        topic.partitions.put(p.partition(), new PartitionRegistration(p.partition(), p.replicas(), isr,
                r.hasLeader() ? r.getLeader() : p.leader(), r.getLeaderEpoch(), r.getPartitionEpoch()));
        topic.cachedImage = null;
    }

    private void replayProducerIds(ProducerIdsRecord r) {
        if (r.getNextProducerId() < nextProducerId()) {
            throw new IllegalStateException("producer id block " + r.getNextProducerId()
                    + " is below the next unallocated id " + nextProducerId());
        }
        lastProducerIds = r;
    }

    /** The first producer id not yet handed out. */
    public long nextProducerId() {
        return lastProducerIds == null ? 0 : lastProducerIds.getNextProducerId() + ProducerIdControlManager.BLOCK_SIZE;
    }

    private void replayTopic(TopicRecord r) {
        if (r.getName().isEmpty() || r.getTopicId().isEmpty()) {
            throw new IllegalStateException("topic record without name or id: " + r);
        }
        if (topicIdsByName.containsKey(r.getName())) {
            throw new IllegalStateException("topic '" + r.getName() + "' already exists");
        }
        if (topicsById.containsKey(r.getTopicId())) {
            throw new IllegalStateException("topic id " + r.getTopicId() + " already in use");
        }
        topicsById.put(r.getTopicId(), new TopicState(r.getName(), r.getTopicId()));
        topicIdsByName.put(r.getName(), r.getTopicId());
    }

    private void replayPartition(PartitionRecord r) {
        TopicState topic = topicOrThrow(r.getTopicId());
        topic.partitions.put(r.getPartition(), new PartitionRegistration(r.getPartition(), r.getReplicasList(),
                r.getIsrList(), r.getLeader(), r.getLeaderEpoch(), r.getPartitionEpoch()));
        topic.cachedImage = null;
    }

    private void replayRemoveTopic(RemoveTopicRecord r) {
        TopicState topic = topicOrThrow(r.getTopicId());
        topicsById.remove(topic.topicId);
        topicIdsByName.remove(topic.name);
    }

    private void replayConfig(ConfigRecord r) {
        TopicState topic = topicOrThrow(r.getTopicId());
        if (r.hasValue()) {
            topic.configs.put(r.getKey(), r.getValue());
        } else {
            topic.configs.remove(r.getKey());
        }
        topic.cachedImage = null;
    }

    private TopicState topicOrThrow(String topicId) {
        TopicState topic = topicsById.get(topicId);
        if (topic == null) {
            throw new IllegalStateException("unknown topic id " + topicId);
        }
        return topic;
    }

    /** The immutable image of the current state, versioned by {@link #highestOffset()}. */
    public MetadataImage image() {
        if (cachedImage == null) {
            Map<String, TopicImage> topics = new TreeMap<>();
            topicIdsByName.forEach((name, id) -> topics.put(name, topicsById.get(id).image()));
            cachedImage = new MetadataImage(highestOffset, clusterId, brokers, topics, nextProducerId());
        }
        return cachedImage;
    }

    /** The whole state as records which, replayed in order on an empty state, rebuild it. */
    public List<MetadataRecord> toRecords() {
        List<MetadataRecord> records = new ArrayList<>();
        for (BrokerRegistration b : brokers.values()) {
            RegisterBrokerRecord.Builder rb = RegisterBrokerRecord.newBuilder().setBrokerId(b.brokerId())
                    .setIncarnationId(b.incarnationId()).setBrokerEpoch(b.brokerEpoch()).setRack(b.rack())
                    .setFenced(b.fenced());
            b.endpoints().forEach(e -> rb.addEndpoints(
                    BrokerEndpoint.newBuilder().setName(e.name()).setHost(e.host()).setPort(e.port())));
            records.add(MetadataRecord.newBuilder().setRegisterBroker(rb).build());
            if (b.inControlledShutdown()) {
                records.add(Records.brokerChange(b.brokerId(), b.brokerEpoch(), null, true));
            }
        }
        if (lastProducerIds != null) {
            records.add(MetadataRecord.newBuilder().setProducerIds(lastProducerIds).build());
        }
        for (String topicId : topicIdsByName.values()) {
            TopicState t = topicsById.get(topicId);
            records.add(MetadataRecord.newBuilder()
                    .setTopic(TopicRecord.newBuilder().setName(t.name).setTopicId(t.topicId)).build());
            t.partitions.values().forEach(p -> records.add(Records.partition(t.topicId, p)));
            t.configs.forEach((k, v) -> records.add(Records.config(t.topicId, k, v)));
        }
        return records;
    }
}
