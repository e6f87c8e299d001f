package io.tributary.cli;

import io.tributary.cli.local.LocalProcessCluster;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.proto.v1.PartitionMetadata;
import io.tributary.proto.v1.TopicMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Failover times on a 3-node cluster of local processes (127.0.0.1-3): kill -9 of the active
 * controller until a topic can be created again, and kill -9 of a partition leader until Metadata
 * shows a new leader. Prints every run and the medians.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
        description = "Start a 3-node local cluster, kill -9 the controller / a leader repeatedly, print recovery times.")
final class FailoverBench implements Callable<Integer> {
    @Option(names = "--runs", defaultValue = "5", description = "Default: ${DEFAULT-VALUE}")
    int runs;

    @Option(names = "--work-dir", description = "Where the nodes keep their data (default: a new temporary directory).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        Path root = workDir != null ? workDir : Files.createTempDirectory("tributary-failover");
        List<Long> controllerMs = new ArrayList<>();
        List<Long> leaderMs = new ArrayList<>();
        try (LocalProcessCluster cluster = LocalProcessCluster.create(root, 3, List.of())) {
            cluster.startAll();
            for (int run = 1; run <= runs; run++) {
                int controller;
                try (Admin admin = admin(Arrays.asList(cluster.bootstrap().split(",")))) {
                    controller = admin.describeCluster().getControllerId();
                }
                long start = System.nanoTime();
                cluster.kill9(controller);
                String topic = "after-kill-" + run;
                List<String> survivors = cluster.bootstrapExcept(controller);
                long ms = awaitMs(start, () -> {
                    try (Admin admin = admin(survivors)) {
                        return admin.createTopics(List.of(new NewTopic(topic, 1, 2, Map.of()))).get(0).isSuccess();
                    }
                });
                controllerMs.add(ms);
                System.out.printf("run %d: killed controller node %d, topic created after %d ms%n", run, controller, ms);
                cluster.start(controller);

                // A fresh topic per run, with its full ISR: a restarted broker rejoins the ISRs only
                // after it caught up, and a run must not wait on (or measure) that.
                String leaderTopic = "leader-kill-" + run;
                int leader;
                try (Admin admin = admin(Arrays.asList(cluster.bootstrap().split(",")))) {
                    admin.createTopic(new NewTopic(leaderTopic, 1, 3, Map.of()));
                    leader = leaderOf(admin, leaderTopic);
                }
                start = System.nanoTime();
                cluster.kill9(leader);
                List<String> others = cluster.bootstrapExcept(leader);
                int killed = leader;
                ms = awaitMs(start, () -> {
                    try (Admin admin = admin(others)) {
                        int now = leaderOf(admin, leaderTopic);
                        return now >= 0 && now != killed;
                    }
                });
                leaderMs.add(ms);
                System.out.printf("run %d: killed leader node %d, new leader in Metadata after %d ms%n", run, leader, ms);
                cluster.start(leader);
            }
        }
        System.out.printf("median over %d runs: controller kill -> topic created %d ms; leader kill -> new leader visible %d ms%n",
                runs, median(controllerMs), median(leaderMs));
        return TributaryCli.EXIT_OK;
    }

    private static Admin admin(List<String> bootstrap) {
        return Admin.create(bootstrap, Duration.ofSeconds(2));
    }

    private static int leaderOf(Admin admin, String topicName) {
        for (TopicMetadata topic : admin.metadata(List.of(topicName)).getTopicsList()) {
            for (PartitionMetadata partition : topic.getPartitionsList()) {
                if (partition.getPartition() == 0) {
                    return partition.getLeaderId();
                }
            }
        }
        return -1;
    }

    private static long awaitMs(long startNanos, BooleanSupplier condition) throws InterruptedException {
        long deadline = startNanos + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return (System.nanoTime() - startNanos) / 1_000_000;
                }
            } catch (RuntimeException e) {
                // the cluster is still recovering
            }
            Thread.sleep(20); // polling the cluster from outside, as a user would
        }
        throw new IllegalStateException("the cluster did not recover within 60 s");
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
