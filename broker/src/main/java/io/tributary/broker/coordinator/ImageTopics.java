package io.tributary.broker.coordinator;

import io.tributary.broker.group.TopicsImage;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.TopicImage;
import java.util.Collection;
import java.util.function.Supplier;

/** The topics of the current metadata image, as the coordinator assigns them. */
public final class ImageTopics implements TopicsImage {
    private final Supplier<MetadataImage> image;

    public ImageTopics(Supplier<MetadataImage> image) {
        this.image = image;
    }

    @Override
    public int partitionCount(String topic) {
        return image.get().topic(topic).map(TopicImage::numPartitions).orElse(-1);
    }

    @Override
    public Collection<String> topicNames() {
        return image.get().topicsByName().keySet();
    }
}
