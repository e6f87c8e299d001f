package io.tributary.metadata;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The metadata as of one applied Ratis log index ({@code version}); immutable.
 *
 * @param version the log index this image reflects (0 = nothing applied yet)
 */
public record MetadataImage(long version, String clusterId, Map<Integer, BrokerRegistration> brokers,
                            Map<String, TopicImage> topicsByName) {
    public static final MetadataImage EMPTY = new MetadataImage(0, "", Map.of(), Map.of());

    public MetadataImage {
        brokers = Collections.unmodifiableMap(new TreeMap<>(brokers));
        topicsByName = Collections.unmodifiableMap(new TreeMap<>(topicsByName));
    }

    public Optional<TopicImage> topic(String name) {
        return Optional.ofNullable(topicsByName.get(name));
    }

    public Optional<TopicImage> topicById(String topicId) {
        return topicsByName.values().stream().filter(t -> t.topicId().equals(topicId)).findFirst();
    }
}
