package io.tributary.chaos.net;

/**
 * Drop what arrives at {@code node} from {@code fromAddress}: all of it, or only TCP segments to or
 * from {@code port} (both directions of connections on that port, whichever side opened them).
 * Packets are dropped, not rejected, so a cut link looks like a real partition: silence, then
 * timeouts. A symmetric cut is two rules, one per side.
 *
 * @param node the receiving node's id
 * @param fromAddress the sender's address (a node's or the clients')
 * @param port a TCP port, or 0 for every packet
 */
public record DropRule(int node, String fromAddress, int port) {
    public static DropRule all(int node, String fromAddress) {
        return new DropRule(node, fromAddress, 0);
    }

    String toNft() {
        if (port == 0) {
            return "ip saddr " + fromAddress + " drop";
        }
        return "ip saddr " + fromAddress + " tcp dport " + port + " drop\n"
                + "    ip saddr " + fromAddress + " tcp sport " + port + " drop";
    }
}
