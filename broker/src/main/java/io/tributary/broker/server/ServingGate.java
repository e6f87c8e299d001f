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

    boolean isOpen() {
        return open;
    }

    void open() {
        open = true;
    }

    /** The message a refused request carries. */
    static String notYet(int nodeId) {
        return "node " + nodeId + " is starting: not yet registered, caught up and unfenced; try another node or retry";
    }
}
