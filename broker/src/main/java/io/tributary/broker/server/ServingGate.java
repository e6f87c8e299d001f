package io.tributary.broker.server;

/**
 * Whether this node serves produce, fetch, list-offsets and producer-id requests yet. A node opens
 * its client port before it registers (the registration names the port), but answering data
 * requests then would act on an image the controller has moved past: a restarted leader could
 * serve a log it no longer leads, and a producer asking for an id would get a non-retriable error
 * and abort everything queued. Until {@link #open()} (the broker is registered, caught up with the
 * metadata log and unfenced), those requests get BROKER_NOT_AVAILABLE: definite and retriable.
 */
final class ServingGate {
    private volatile boolean open;
    private volatile java.util.function.BooleanSupplier lease = () -> true;

    /** Open, and (a broker) holding its lease with the controller. */
    boolean isOpen() {
        return open && lease.getAsBoolean();
    }

    /**
     * Opens the gate; from then on requests are served while {@code lease} holds (a broker that has
     * not heard from the metadata quorum for its session timeout stops acting as leader).
     */
    void open(java.util.function.BooleanSupplier lease) {
        this.lease = lease;
        open = true;
    }

    /** The message a refused request carries. */
    String refusal(int nodeId) {
        return open ? "node " + nodeId + " has lost its lease with the metadata quorum and does not act as leader;"
                + " refresh metadata" : "node " + nodeId + " is starting: not yet registered, caught up and unfenced;"
                + " try another node or retry";
    }
}
