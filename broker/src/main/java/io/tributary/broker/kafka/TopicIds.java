package io.tributary.broker.kafka;

import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.TopicImage;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/**
 * Topic names and Kafka topic ids, both from the metadata image. A topic id is stored as Kafka
 * prints one (16 bytes, URL-safe base64), so the two are the same id.
 */
final class TopicIds {
    private TopicIds() {
    }

    static Uuid idOf(MetadataImage image, String name) {
        return image.topic(name).map(t -> Uuid.fromString(t.topicId())).orElse(Uuid.ZERO_UUID);
    }

    static Optional<String> nameOf(MetadataImage image, Uuid id) {
        if (id == null || Uuid.ZERO_UUID.equals(id)) {
            return Optional.empty();
        }
        return image.topicById(id.toString()).map(TopicImage::name);
    }
}
