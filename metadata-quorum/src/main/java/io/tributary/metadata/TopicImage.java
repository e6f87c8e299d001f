package io.tributary.metadata;

import io.tributary.metadata.config.TopicConfigs;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable view of one topic.
 *
 * @param configs the explicitly set configs only; see {@link #effectiveConfigs()}
 */
public record TopicImage(String name, String topicId, Map<Integer, PartitionRegistration> partitions,
                         Map<String, String> configs) {
    public TopicImage {
        partitions = Collections.unmodifiableMap(new TreeMap<>(partitions));
        configs = Collections.unmodifiableMap(new TreeMap<>(configs));
    }

    /** The defaults of {@link TopicConfigs} overlaid with this topic's explicit configs. */
    public Map<String, String> effectiveConfigs() {
        return TopicConfigs.effective(configs);
    }

    public int numPartitions() {
        return partitions.size();
    }
}
