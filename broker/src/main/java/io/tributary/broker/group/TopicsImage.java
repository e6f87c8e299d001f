package io.tributary.broker.group;

import java.util.Collection;

/** The topics the coordinator assigns from, as the current cluster metadata has them. */
public interface TopicsImage {
    /** The topic's partition count, or -1 when there is no such topic. */
    int partitionCount(String topic);

    /** Every topic's name (for regular-expression subscriptions). */
    Collection<String> topicNames();
}
