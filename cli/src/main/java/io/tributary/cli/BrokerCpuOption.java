package io.tributary.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --broker-pid PID[,PID...]}: the broker processes whose CPU time (utime + stime, summed over
 * all of them: a replicated write costs on every replica) and RSS a benchmark reports.
 */
final class BrokerCpuOption {
    @Option(names = "--broker-pid", split = ",", paramLabel = "PID",
            description = "Broker process ids (comma-separated): also print their summed CPU seconds per million records and their RSS.")
    List<Long> pids = new ArrayList<>();

    private double cpuAtStart;

    void start() throws IOException {
        cpuAtStart = totalCpuSeconds();
    }

    private double totalCpuSeconds() throws IOException {
        double total = 0;
        for (long pid : pids) {
            total += ProcessCpu.cpuSeconds(pid);
        }
        return total;
    }

    void report(long records) throws IOException {
        if (pids.isEmpty()) {
            return;
        }
        double cpu = totalCpuSeconds() - cpuAtStart;
        StringBuilder rss = new StringBuilder();
        for (long pid : pids) {
            rss.append(rss.length() == 0 ? "" : " / ").append(ProcessCpu.rssKib(pid) / 1024);
        }
        System.out.printf("broker CPU: %.2f s over %d process(es) (%.2f CPU-s per million records), broker RSS %s MiB%n",
                cpu, pids.size(), cpu / (records / 1e6), rss);
    }
}
