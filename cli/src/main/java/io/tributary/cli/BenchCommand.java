package io.tributary.cli;

import picocli.CommandLine.Command;

/** Benchmarks that print figures (records/s, MB/s, latency percentiles); never timed assertions. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: produce throughput, consume throughput, end-to-end latency.",
        subcommands = {ProduceBench.class, ConsumeBench.class, EndToEndBench.class, FailoverBench.class, GroupBench.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
