package io.tributary.client.internal;

import io.tributary.client.ConfigException;
import java.util.ArrayList;
import java.util.List;

/** A broker's host and port. */
public record BrokerAddress(String host, int port) {
    /** Parses {@code host:port} (IPv6 as {@code [::1]:9092}). */
    public static BrokerAddress parse(String hostPort) {
        if (hostPort == null || hostPort.isBlank()) {
            throw new ConfigException("bootstrapServers", hostPort, "expected host:port");
        }
        String text = hostPort.trim();
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new ConfigException("bootstrapServers", hostPort, "expected host:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException("bootstrapServers", hostPort, "port is not a number");
        }
        if (port < 1 || port > 65535 || host.isEmpty()) {
            throw new ConfigException("bootstrapServers", hostPort, "port must be in 1..65535 and host non-empty");
        }
        return new BrokerAddress(host, port);
    }

    public static List<BrokerAddress> parseAll(List<String> hostPorts) {
        if (hostPorts == null || hostPorts.isEmpty()) {
            throw new ConfigException("bootstrapServers", hostPorts, "at least one host:port is required");
        }
        List<BrokerAddress> out = new ArrayList<>(hostPorts.size());
        for (String entry : hostPorts) {
            // "h1:p1,h2:p2" in one string, as Kafka's bootstrap.servers is written
            for (String hostPort : entry == null ? new String[] {null} : entry.split(",", -1)) {
                out.add(parse(hostPort == null ? null : hostPort.trim()));
            }
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
