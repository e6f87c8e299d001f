package io.tributary.metadata;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks a port that a node can bind a moment later, for voters whose address must be known before
 * the quorum starts (an ephemeral single node, test clusters).
 *
 * <p>Binding port 0 and closing the socket is not enough: the kernel hands the same range out as
 * source ports for outgoing connections, so between the check and the node's own bind another
 * connection (or the next pick) can take it. Ports are therefore drawn at random from below the
 * kernel's ephemeral range, which it never assigns by itself, and never handed out twice by one JVM.
 */
public final class UnusedPorts {
    private static final int LOWEST = 10_000;
    private static final int ATTEMPTS = 200;
    private static final Set<Integer> handedOut = new HashSet<>();

    private UnusedPorts() {
    }

    /** A port on {@code host} that is free now and outside the kernel's automatic range. */
    public static synchronized int pick(String host) throws IOException {
        int highest = ephemeralRangeStart() - 1;
        if (highest - LOWEST < 1_000) {
            return bindAny(host); // an unusual port range: fall back to the kernel's choice
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, highest + 1);
            if (!handedOut.contains(port) && canBind(host, port)) {
                handedOut.add(port);
                return port;
            }
        }
        throw new IOException("no free port on " + host + " in " + LOWEST + "-" + highest + " after "
                + ATTEMPTS + " attempts");
    }

    private static boolean canBind(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException inUse) {
            return false;
        }
    }

    private static int bindAny(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, 0));
            handedOut.add(socket.getLocalPort());
            return socket.getLocalPort();
        }
    }

    /** First port of Linux's ip_local_port_range; 32768 (its default) where that file is absent. */
    private static int ephemeralRangeStart() {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        try {
            return Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]);
        } catch (IOException | NumberFormatException unreadable) {
            return 32_768;
        }
    }
}
