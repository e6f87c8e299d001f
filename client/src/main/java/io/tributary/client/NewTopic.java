package io.tributary.client;

import java.util.Map;
import java.util.Objects;

/**
 * A topic to create.
 *
 * @param replicationFactor 0 for the broker default
 * @param configs topic configs (e.g. {@code retention.ms}); empty for defaults
 */
public record NewTopic(String name, int numPartitions, int replicationFactor, Map<String, String> configs) {
    public NewTopic {
        Objects.requireNonNull(name, "name");
        configs = configs == null ? Map.of() : Map.copyOf(configs);
    }

    public static NewTopic of(String name, int numPartitions, int replicationFactor) {
        return new NewTopic(name, numPartitions, replicationFactor, Map.of());
    }
}
