package io.tributary.chaos.net;

import io.tributary.cli.local.NodePlacement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private network for one chaos run: a "switch" namespace holding a bridge, one network
 * namespace per node wired to it by a veth pair, and one veth from the harness's own namespace so
 * that clients (the workload, in the harness JVM) reach the nodes over links that can be cut apart
 * from the node-to-node ones.
 *
 * <pre>
 *   harness ns: trb&lt;pid&gt;h 10.213.S.254 ──┐
 *   ns ...-n1:  veth0 10.213.S.1 ────────┤ bridge br0 in ns ...-sw
 *   ns ...-n2:  veth0 10.213.S.2 ────────┘
 * </pre>
 *
 * <p>Faults are nftables rules in the receiving node's namespace ({@link DropRule}); each node's
 * table is rewritten whole from the current rule set, so nemeses compose and undo only their own
 * rules. Everything lives in namespaces this lab created: {@link #close()} deletes them (and with
 * them every rule and the harness-side veth), and a shutdown hook does the same if the JVM ends
 * early. Namespaces left by a harness that was killed are removed by {@link #removeLeftovers()}.
 * Needs root, {@code ip} (iproute2) and {@code nft} (nftables).
 */
public final class NetworkLab implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetworkLab.class);
    private static final String PREFIX = "tributary-chaos-";
    private static final Pattern LEFTOVER = Pattern.compile("^" + PREFIX + "(\\d+)-\\S+");
    public static final int CLIENT_PORT = 9092;
    public static final int KAFKA_PORT = 9095;
    public static final int CONTROLLER_PORT = 9093;

    private final String owner;
    private final int subnet;
    private final List<Integer> nodeIds;
    private final List<DropRule> rules = new ArrayList<>();
    private final Thread cleanupHook;
    private boolean closed;

    private NetworkLab(String owner, int subnet, List<Integer> nodeIds) {
        this.owner = owner;
        this.subnet = subnet;
        this.nodeIds = List.copyOf(nodeIds);
        this.cleanupHook = new Thread(this::deleteNamespaces, "network-lab-cleanup");
    }

    /** Whether this machine can host a lab: Linux, root, iproute2 and nftables installed. */
    public static String unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return "network namespaces need Linux";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "creating network namespaces needs root (running as " + System.getProperty("user.name") + ")";
        }
        for (String program : List.of("ip", "nft")) {
            if (!Commands.available(program)) {
                return "'" + program + "' is not installed (Debian packages iproute2 and nftables)";
            }
        }
        return null;
    }

    /** Builds the network for nodes {@code 1..nodes}. */
    public static NetworkLab create(int nodes) {
        String reason = unavailableReason();
        if (reason != null) {
            throw new LabCommandException(List.of("network-lab"), -1, reason);
        }
        removeLeftovers();
        List<Integer> ids = new ArrayList<>();
        for (int id = 1; id <= nodes; id++) {
            ids.add(id);
        }
        NetworkLab lab = new NetworkLab(Long.toString(ProcessHandle.current().pid()), freeSubnet(), ids);
        Runtime.getRuntime().addShutdownHook(lab.cleanupHook);
        try {
            lab.build();
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private void build() {
        String sw = switchNamespace();
        Commands.run("ip", "netns", "add", sw);
        Commands.run("ip", "-n", sw, "link", "add", "br0", "type", "bridge");
        Commands.run("ip", "-n", sw, "link", "set", "br0", "up");
        for (int id : nodeIds) {
            String ns = namespace(id);
            Commands.run("ip", "netns", "add", ns);
            Commands.run("ip", "link", "add", "name", "veth0", "netns", ns, "type", "veth", "peer", "name", "n" + id,
                    "netns", sw);
            Commands.run("ip", "-n", sw, "link", "set", "n" + id, "master", "br0", "up");
            Commands.run("ip", "-n", ns, "addr", "add", address(id) + "/24", "dev", "veth0");
            Commands.run("ip", "-n", ns, "link", "set", "veth0", "up");
            Commands.run("ip", "-n", ns, "link", "set", "lo", "up");
            applyRules(id);
        }
        String hostSide = hostInterface();
        Commands.run("ip", "link", "add", "name", hostSide, "type", "veth", "peer", "name", "clients", "netns", sw);
        Commands.run("ip", "-n", sw, "link", "set", "clients", "master", "br0", "up");
        Commands.run("ip", "addr", "add", clientAddress() + "/24", "dev", hostSide);
        Commands.run("ip", "link", "set", hostSide, "up");
        log.info("network lab up: nodes {} on 10.213.{}.0/24, clients at {}", nodeIds, subnet, clientAddress());
    }

    public String address(int nodeId) {
        return "10.213." + subnet + "." + nodeId;
    }

    /** The address the harness's clients connect from. */
    public String clientAddress() {
        return "10.213." + subnet + ".254";
    }

    public String namespace(int nodeId) {
        return PREFIX + owner + "-n" + nodeId;
    }

    /** Nodes in namespaces, on fixed ports (each namespace has its own port space), launched with {@code ip netns exec}. */
    public NodePlacement placement() {
        return new NodePlacement() {
            @Override
            public String host(int nodeId) {
                return address(nodeId);
            }

            @Override
            public int clientPort(int nodeId) {
                return CLIENT_PORT;
            }

            @Override
            public int controllerPort(int nodeId) {
                return CONTROLLER_PORT;
            }

            @Override
            public int kafkaPort(int nodeId) {
                return KAFKA_PORT;
            }

            @Override
            public List<String> launchPrefix(int nodeId) {
                // ip netns exec execs the command: the process we hold is the node's JVM itself
                return List.of("ip", "netns", "exec", namespace(nodeId));
            }
        };
    }

    /** Adds rules and rewrites the tables of the nodes they concern. */
    public synchronized void block(Collection<DropRule> added) {
        rules.addAll(added);
        added.stream().map(DropRule::node).distinct().forEach(this::applyRules);
    }

    /** Removes rules added by {@link #block} (one occurrence each) and rewrites the tables they concern. */
    public synchronized void unblock(Collection<DropRule> removed) {
        for (DropRule rule : removed) {
            rules.remove(rule);
        }
        removed.stream().map(DropRule::node).distinct().forEach(this::applyRules);
    }

    /** Removes every rule: the network is whole again. */
    public synchronized void healAll() {
        rules.clear();
        nodeIds.forEach(this::applyRules);
    }

    public synchronized List<DropRule> rules() {
        return List.copyOf(rules);
    }

    private void applyRules(int nodeId) {
        StringBuilder table = new StringBuilder("table inet chaos\ndelete table inet chaos\n")
                .append("table inet chaos {\n  chain input {\n    type filter hook input priority 0; policy accept;\n");
        for (DropRule rule : rules) {
            if (rule.node() == nodeId) {
                table.append("    ").append(rule.toNft()).append('\n');
            }
        }
        table.append("  }\n}\n");
        Commands.run(List.of("ip", "netns", "exec", namespace(nodeId), "nft", "-f", "-"), table.toString());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        deleteNamespaces();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it deletes the same namespaces, idempotently
        }
    }

    private void deleteNamespaces() {
        List<String> names = new ArrayList<>();
        for (int id : nodeIds) {
            names.add(namespace(id));
        }
        names.add(switchNamespace()); // takes the harness-side veth with it (its peer lives here)
        for (String name : names) {
            deleteNamespace(name);
        }
    }

    /** Deletes namespaces of earlier runs whose harness process no longer exists. */
    public static void removeLeftovers() {
        String list;
        try {
            list = Commands.run("ip", "netns", "list");
        } catch (LabCommandException e) {
            return;
        }
        for (String line : list.lines().toList()) {
            Matcher m = LEFTOVER.matcher(line.trim());
            if (m.find() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                String name = line.trim().split("\\s+")[0];
                log.warn("removing network namespace {} left by a harness that is gone", name);
                deleteNamespace(name);
            }
        }
    }

    private static void deleteNamespace(String name) {
        try {
            Commands.run("ip", "netns", "delete", name);
        } catch (LabCommandException e) {
            if (!e.getMessage().contains("No such file")) {
                log.warn("could not delete network namespace {}: {}", name, e.getMessage());
            }
        }
    }

    private String switchNamespace() {
        return PREFIX + owner + "-sw";
    }

    private String hostInterface() {
        return "trb" + Long.toString(Long.parseLong(owner), 36) + "h";
    }

    /** A 10.213.S.0/24 that no interface of the harness's namespace uses yet. */
    private static int freeSubnet() {
        String addresses = Commands.run("ip", "-4", "-o", "addr");
        int start = (int) (ProcessHandle.current().pid() % 250);
        for (int i = 0; i < 250; i++) {
            int candidate = 1 + (start + i) % 250;
            if (!addresses.contains("10.213." + candidate + ".")) {
                return candidate;
            }
        }
        throw new LabCommandException(List.of("ip", "-4", "addr"), -1, "every 10.213.x.0/24 is in use");
    }

    /** Node id to address, for reports. */
    public Map<Integer, String> addresses() {
        Map<Integer, String> out = new TreeMap<>();
        nodeIds.forEach(id -> out.put(id, address(id)));
        return out;
    }
}
