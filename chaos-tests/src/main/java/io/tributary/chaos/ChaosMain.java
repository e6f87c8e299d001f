package io.tributary.chaos;

import io.tributary.chaos.nemesis.Nemeses;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code chaos-tests/chaos.sh}: one chaos run from the command line; exit 0 when the history checks out, 1 when not. */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Runs a real cluster in network namespaces under injected faults and checks the history. Needs root, "
                + "iproute2 and nftables.")
public final class ChaosMain implements Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "5", description = "cluster size (default ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--time", defaultValue = "600", description = "seconds of faults (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--nemesis", defaultValue = "all", description = "all, or a comma-separated list of kinds")
    String nemesis;

    @Option(names = "--seed", description = "chooses every fault (default: the current time)")
    Long seed;

    @Option(names = "--partitions", defaultValue = "4")
    int partitions;

    @Option(names = "--producers", defaultValue = "4")
    int producers;

    @Option(names = "--consumers", defaultValue = "2")
    int consumers;

    @Option(names = "--rate", defaultValue = "1000", description = "records per second over all producers")
    int rate;

    @Option(names = "--dir", description = "where data, logs, history and report go (default: chaos-runs/<seed>)")
    Path dir;

    @Option(names = "--node-property", paramLabel = "KEY=VALUE",
            description = "an extra line for every node's properties file (repeatable), e.g. broker.session.timeout.ms=1000")
    java.util.List<String> nodeProperties = new java.util.ArrayList<>();

    @Option(names = "--list-nemeses", description = "prints the nemesis kinds and exits")
    boolean list;

    @Option(names = "--check", paramLabel = "DIR", description = "checks the history of an earlier run again, runs nothing")
    Path recheck;

    @Override
    public Integer call() throws Exception {
        if (list) {
            Nemeses.kinds().forEach(System.out::println);
            return 0;
        }
        if (recheck != null) {
            ChaosRun.Outcome outcome = ChaosRun.check("checked again", recheck);
            System.out.println(outcome.report());
            System.out.println(outcome.valid() ? "VALID" : "INVALID: evidence in " + outcome.dir());
            return outcome.valid() ? 0 : 1;
        }
        long chosenSeed = seed != null ? seed : System.currentTimeMillis();
        Path runDir = dir != null ? dir : Path.of("chaos-runs", Long.toString(chosenSeed));
        ChaosOptions options = new ChaosOptions(nodes, seconds, nemesis, chosenSeed, partitions, producers, consumers,
                rate, runDir.toAbsolutePath(), nodeProperties);
        ChaosRun.Outcome outcome = new ChaosRun(options).run();
        System.out.println(outcome.report());
        System.out.println(outcome.valid() ? "VALID" : "INVALID: seed " + chosenSeed + ", evidence in " + outcome.dir());
        return outcome.valid() ? 0 : 1;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosMain()).execute(args));
    }
}
