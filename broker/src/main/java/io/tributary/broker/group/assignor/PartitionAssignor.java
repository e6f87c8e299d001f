package io.tributary.broker.group.assignor;

import io.tributary.broker.group.Assignment;
import java.util.Map;

/**
 * Computes a group's target assignment on the coordinator (a KIP-848 server-side assignor). Must be
 * deterministic: the same spec gives the same assignment on every coordinator.
 */
public interface PartitionAssignor {
    /** The name members ask for ({@code server_assignor}). */
    String name();

    /**
     * @return the target of every member in {@code spec} (an empty assignment for members that get
     *         nothing); each partition of a subscribed topic goes to exactly one member that
     *         subscribes to its topic
     */
    Map<String, Assignment> assign(AssignmentSpec spec);
}
