package io.tributary.metadata;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The metadata as of one applied Ratis log index ({@code version}); immutable.
 *
 * @param version the log index this image reflects (0 = nothing applied yet)
 * @param nextProducerId the first producer id not yet handed out in a block
 */
public record MetadataImage(long version, String clusterId, Map<Integer, BrokerRegistration> brokers,
                            Map<String, TopicImage> topicsByName, long nextProducerId) {
    public static final MetadataImage EMPTY = new MetadataImage(0, "", Map.of(), Map.of(), 0);

    public MetadataImage {
        brokers = Collections.unmodifiableMap(new TreeMap<>(brokers));
        topicsByName = Collections.unmodifiableMap(new TreeMap<>(topicsByName));
    }

    public MetadataImage(long version, String clusterId, Map<Integer, BrokerRegistration> brokers,
                         Map<String, TopicImage> topicsByName) {
        this(version, clusterId, brokers, topicsByName, 0);
    }

    public Optional<TopicImage> topic(String name) {
        return Optional.ofNullable(topicsByName.get(name));
    }

    public Optional<TopicImage> topicById(String topicId) {
        return topicsByName.values().stream().filter(t -> t.topicId().equals(topicId)).findFirst();
    }

    /** Whether {@code brokerId} is registered, unfenced and not shutting down. */
    public boolean isEligibleLeader(int brokerId) {
        BrokerRegistration b = brokers.get(brokerId);
        return b != null && b.isEligibleLeader();
    }

    /** Partitions that have no leader (offline: neither produce nor fetch is served). */
    public int offlinePartitions() {
        int count = 0;
        for (TopicImage t : topicsByName.values()) {
            for (PartitionRegistration p : t.partitions().values()) {
                if (!p.hasLeader()) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Registered brokers that are fenced (their session lapsed, or not yet unfenced). */
    public int fencedBrokers() {
        return (int) brokers.values().stream().filter(BrokerRegistration::fenced).count();
    }

    /** How many partitions {@code brokerId} leads. */
    public int leaderships(int brokerId) {
        int count = 0;
        for (TopicImage t : topicsByName.values()) {
            for (PartitionRegistration p : t.partitions().values()) {
                if (p.leader() == brokerId) {
                    count++;
                }
            }
        }
        return count;
    }
}
