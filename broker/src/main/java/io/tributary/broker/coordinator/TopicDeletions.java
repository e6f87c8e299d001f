package io.tributary.broker.coordinator;

import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.TopicImage;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Tells which topics each new metadata image deleted: a name that is gone, or that now names a
 * different topic id (deleted and created again between two images). The first image seen is the
 * baseline. Called on the metadata apply thread, so it only compares maps.
 */
public final class TopicDeletions implements Consumer<MetadataImage> {
    private final Consumer<Set<String>> onDeleted;
    private Map<String, TopicImage> previous;
    private Map<String, String> previousIds = Map.of();

    public TopicDeletions(Consumer<Set<String>> onDeleted) {
        this.onDeleted = onDeleted;
    }

    @Override
    public synchronized void accept(MetadataImage image) {
        Map<String, TopicImage> topics = image.topicsByName();
        if (topics == previous) {
            return;
        }
        Map<String, String> ids = new HashMap<>(topics.size() * 2);
        topics.forEach((name, topic) -> ids.put(name, topic.topicId()));
        Set<String> deleted = new TreeSet<>();
        if (previous != null) {
            previousIds.forEach((name, id) -> {
                if (!id.equals(ids.get(name))) {
                    deleted.add(name);
                }
            });
        }
        previous = topics;
        previousIds = ids;
        if (!deleted.isEmpty()) {
            onDeleted.accept(deleted);
        }
    }
}
