package io.tributary.chaos.nemesis;

import io.tributary.chaos.cluster.ChaosCluster;
import io.tributary.chaos.net.DropRule;
import io.tributary.chaos.net.NetworkLab;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Faults in the network between nodes, and between clients and nodes, as nftables drop rules in
 * the nodes' namespaces. Healing removes exactly the rules the fault added.
 */
public final class NetworkNemeses {
    private NetworkNemeses() {
    }

    /** The nodes split into two random halves that cannot reach each other (clients reach both). */
    public static Nemesis randomHalves() {
        return partitioning("partition-halves", (cluster, targets, random) -> {
            List<Integer> nodes = shuffled(cluster.nodeIds(), random);
            int cut = 1 + random.nextInt(nodes.size() - 1);
            return new Split(nodes.subList(0, cut), nodes.subList(cut, nodes.size()));
        });
    }

    /** A partition leader cut from every other node (its clients still reach it). */
    public static Nemesis isolateLeader() {
        return partitioning("partition-leader", (cluster, targets, random) ->
                Split.isolating(targets.partitionLeader(random), cluster.nodeIds()));
    }

    /** The active controller cut from every other node. */
    public static Nemesis isolateController() {
        return partitioning("partition-controller", (cluster, targets, random) ->
                Split.isolating(targets.activeController(random), cluster.nodeIds()));
    }

    /**
     * A bridge: two halves that cannot reach each other, and one node that reaches both (Jepsen's
     * "bridge": each half thinks it can form a majority through the bridge).
     */
    public static Nemesis bridge() {
        return new NetworkNemesis("partition-bridge", (cluster, targets, random) -> {
            List<Integer> nodes = shuffled(cluster.nodeIds(), random);
            int bridge = nodes.get(0);
            List<Integer> rest = nodes.subList(1, nodes.size());
            Split split = new Split(rest.subList(0, rest.size() / 2), rest.subList(rest.size() / 2, rest.size()));
            return new Cut(split + " bridged by " + bridge, split.rules(cluster.network(), 0));
        });
    }

    /** One node stops hearing one other node, which still hears it. */
    public static Nemesis oneWay() {
        return new NetworkNemesis("partition-one-way", (cluster, targets, random) -> {
            int deaf = targets.partitionLeader(random);
            List<Integer> others = new ArrayList<>(cluster.nodeIds());
            others.remove(Integer.valueOf(deaf));
            int silenced = others.get(random.nextInt(others.size()));
            return new Cut("node " + deaf + " does not hear node " + silenced,
                    List.of(DropRule.all(deaf, cluster.network().address(silenced))));
        });
    }

    /**
     * A partition leader cut from the metadata quorum only: no traffic on the controller port
     * between it and any other node, while clients and followers still reach its client port.
     */
    public static Nemesis quorumCut() {
        return new NetworkNemesis("quorum-cut", (cluster, targets, random) -> {
            int node = targets.partitionLeader(random);
            NetworkLab lab = cluster.network();
            List<DropRule> rules = new ArrayList<>();
            for (int other : cluster.nodeIds()) {
                if (other != node) {
                    rules.add(new DropRule(node, lab.address(other), NetworkLab.CONTROLLER_PORT));
                    rules.add(new DropRule(other, lab.address(node), NetworkLab.CONTROLLER_PORT));
                }
            }
            return new Cut("node " + node + " cut from the metadata quorum", rules);
        });
    }

    /** Clients cannot reach a partition leader, which still reaches the other nodes. */
    public static Nemesis isolateLeaderFromClients() {
        return new NetworkNemesis("client-leader", (cluster, targets, random) -> {
            int node = targets.partitionLeader(random);
            return new Cut("clients cut from node " + node,
                    List.of(DropRule.all(node, cluster.network().clientAddress())));
        });
    }

    /** Two groups of nodes that cannot reach each other. */
    record Split(List<Integer> left, List<Integer> right) {
        static Split isolating(int node, List<Integer> all) {
            List<Integer> rest = new ArrayList<>(all);
            rest.remove(Integer.valueOf(node));
            return new Split(List.of(node), rest);
        }

        List<DropRule> rules(NetworkLab lab, int port) {
            List<DropRule> rules = new ArrayList<>();
            for (int a : left) {
                for (int b : right) {
                    rules.add(new DropRule(a, lab.address(b), port));
                    rules.add(new DropRule(b, lab.address(a), port));
                }
            }
            return rules;
        }

        @Override
        public String toString() {
            return left + " | " + right;
        }
    }

    record Cut(String description, Collection<DropRule> rules) {
    }

    interface SplitChooser {
        Split choose(ChaosCluster cluster, Targets targets, RandomGenerator random);
    }

    interface CutChooser {
        Cut choose(ChaosCluster cluster, Targets targets, RandomGenerator random);
    }

    private static Nemesis partitioning(String kind, SplitChooser chooser) {
        return new NetworkNemesis(kind, (cluster, targets, random) -> {
            Split split = chooser.choose(cluster, targets, random);
            return new Cut(split.toString(), split.rules(cluster.network(), 0));
        });
    }

    private static List<Integer> shuffled(List<Integer> nodes, RandomGenerator random) {
        List<Integer> out = new ArrayList<>(nodes);
        for (int i = out.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Integer t = out.get(i);
            out.set(i, out.get(j));
            out.set(j, t);
        }
        return out;
    }

    private record NetworkNemesis(String kind, CutChooser chooser) implements Nemesis {
        @Override
        public boolean touchesProcesses() {
            return false;
        }

        @Override
        public Fault inject(ChaosCluster cluster, Targets targets, RandomGenerator random) {
            Cut cut = chooser.choose(cluster, targets, random);
            cluster.network().block(cut.rules());
            return ProcessNemeses.fault(cut.description(), () -> cluster.network().unblock(cut.rules()));
        }
    }

}
