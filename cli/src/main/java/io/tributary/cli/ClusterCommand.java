package io.tributary.cli;

import io.tributary.client.Admin;
import io.tributary.proto.v1.BrokerState;
import io.tributary.proto.v1.DescribeClusterResponse;
import io.tributary.proto.v1.QuorumVoter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tributary cluster describe|elect-leaders}. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Inspect and rebalance the cluster.",
        subcommands = {ClusterCommand.Describe.class, ClusterCommand.ElectLeaders.class})
final class ClusterCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show the metadata quorum (voters, active controller, lag) and the brokers (state, epoch, endpoints).")
    static final class Describe implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Override
        public Integer call() {
            try (Admin admin = Admin.create(cluster.servers())) {
                System.out.print(format(admin.describeCluster()));
                return TributaryCli.EXIT_OK;
            }
        }

        static String format(DescribeClusterResponse cluster) {
            StringBuilder out = new StringBuilder();
            out.append("Cluster: ").append(cluster.getClusterId()).append("  active controller: ")
                    .append(cluster.getControllerId() < 0 ? "none" : "node " + cluster.getControllerId())
                    .append("  term: ").append(cluster.getLeaderTerm()).append("  commit index: ")
                    .append(cluster.getCommitIndex()).append('\n');
            out.append("(answered by node ").append(cluster.getAnsweredBy()).append(", metadata version ")
                    .append(cluster.getMetadataVersion()).append(")\n\nQuorum voters:\n");
            Table voters = new Table("NODE", "ADDRESS", "ROLE", "MATCH INDEX", "LAG");
            for (QuorumVoter voter : cluster.getVotersList()) {
                voters.row(voter.getNodeId(), voter.getHost() + ":" + voter.getPort(),
                        voter.getNodeId() == cluster.getControllerId() ? "leader (active controller)" : "follower",
                        unknownIfNegative(voter.getMatchIndex()), unknownIfNegative(voter.getLag()));
            }
            out.append(voters).append("\nBrokers:\n");
            Table brokers = new Table("NODE", "ADDRESS", "STATE", "EPOCH", "LEADERSHIPS", "INCARNATION");
            for (BrokerState broker : cluster.getBrokersList()) {
                String state = broker.getInControlledShutdown() ? "shutting down" : broker.getFenced() ? "fenced" : "alive";
                brokers.row(broker.getNodeId(), broker.getHost() + ":" + broker.getPort(), state, broker.getBrokerEpoch(),
                        broker.getLeaderships(), broker.getIncarnationId());
            }
            return out.append(brokers).toString();
        }

        private static String unknownIfNegative(long value) {
            return value < 0 ? "?" : Long.toString(value);
        }
    }

    @Command(name = "elect-leaders", mixinStandardHelpOptions = true,
            description = "Move leadership back to each partition's preferred (first) replica where it is alive and in the ISR.")
    static final class ElectLeaders implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Option(names = "--topic", description = "Only these topics (repeatable); all when absent.")
        List<String> topics = List.of();

        @Override
        public Integer call() {
            try (Admin admin = Admin.create(cluster.servers())) {
                int changed = admin.electPreferredLeaders(topics);
                System.out.println("Moved leadership of " + changed + " partition(s) to their preferred replica.");
                return TributaryCli.EXIT_OK;
            }
        }
    }
}
