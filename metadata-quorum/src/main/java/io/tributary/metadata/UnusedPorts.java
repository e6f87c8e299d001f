package io.tributary.metadata;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks a port that a node can bind a moment later, for voters whose address must be known before
 * the quorum starts (an ephemeral single node, test clusters).
 *
 * <p>Binding port 0 and closing the socket is not enough: the kernel hands the same range out as
 * source ports for outgoing connections and to every other bind of port 0, so between the check
 * and the node's own bind another socket can take it. Ports are therefore drawn at random from
 * ports the kernel never assigns by itself: the reserved ports
 * ({@code net.ipv4.ip_local_reserved_ports}, which CI sets where the machine's ephemeral range
 * covers nearly everything), else the larger stretch below or above the ephemeral range; and never
 * handed out twice by one JVM.
 */
public final class UnusedPorts {
    private static final int LOWEST = 10_000;
    private static final int HIGHEST = 65_535;
    private static final int ENOUGH = 1_000;
    private static final int ATTEMPTS = 200;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final Path RESERVED = Path.of("/proc/sys/net/ipv4/ip_local_reserved_ports");
    private static final Set<Integer> handedOut = new HashSet<>();

    private UnusedPorts() {
    }

    /** A port on {@code host} that is free now and outside the kernel's automatic choices. */
    public static synchronized int pick(String host) throws IOException {
        Optional<PortRange> range = safeRange();
        if (range.isEmpty()) {
            return bindAny(host); // the kernel's range covers everything: take its choice and the small risk
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(range.get().first(), range.get().last() + 1);
            if (!handedOut.contains(port) && canBind(host, port)) {
                handedOut.add(port);
                return port;
            }
        }
        throw new IOException("no free port on " + host + " in " + range.get() + " after " + ATTEMPTS + " attempts");
    }

    /** Ports in first..last, inclusive. */
    record PortRange(int first, int last) {
        int size() {
            return last - first + 1;
        }

        @Override
        public String toString() {
            return first + "-" + last;
        }
    }

    /** The largest stretch the kernel never assigns on its own, if one holds at least {@value #ENOUGH} ports. */
    static Optional<PortRange> safeStretch(PortRange ephemeral, List<PortRange> reserved) {
        List<PortRange> candidates = new ArrayList<>(reserved);
        candidates.add(new PortRange(LOWEST, ephemeral.first() - 1));
        candidates.add(new PortRange(ephemeral.last() + 1, HIGHEST));
        return candidates.stream().filter(r -> r.size() >= ENOUGH).max(Comparator.comparingInt(PortRange::size));
    }

    /** Parses {@code ip_local_reserved_ports}: "20000-29999,30100" style, empty when none. */
    static List<PortRange> parseReserved(String text) {
        List<PortRange> out = new ArrayList<>();
        for (String part : text.trim().split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] bounds = part.trim().split("-");
            int first = Integer.parseInt(bounds[0]);
            out.add(new PortRange(first, bounds.length > 1 ? Integer.parseInt(bounds[1]) : first));
        }
        return out;
    }

    private static Optional<PortRange> safeRange() {
        List<PortRange> reserved;
        PortRange ephemeral;
        try {
            reserved = parseReserved(Files.readString(RESERVED));
        } catch (IOException | NumberFormatException unreadable) {
            reserved = List.of();
        }
        try {
            String[] bounds = Files.readString(EPHEMERAL_RANGE).trim().split("\\s+");
            ephemeral = new PortRange(Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1]));
        } catch (IOException | NumberFormatException | ArrayIndexOutOfBoundsException unreadable) {
            ephemeral = new PortRange(32_768, 60_999); // Linux's default
        }
        return safeStretch(ephemeral, reserved);
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
}
