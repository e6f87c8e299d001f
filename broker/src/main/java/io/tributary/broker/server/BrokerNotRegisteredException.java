package io.tributary.broker.server;

/** A broker-only operation (a producer-id block) on a node that is not, or not yet, a registered broker. */
final class BrokerNotRegisteredException extends IllegalStateException {
    BrokerNotRegisteredException(int nodeId) {
        super("node " + nodeId + " is not a registered broker");
    }
}
