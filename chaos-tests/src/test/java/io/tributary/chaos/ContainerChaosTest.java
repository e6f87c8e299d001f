package io.tributary.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.model.ContainerNetwork;
import io.tributary.chaos.history.History;
import io.tributary.chaos.history.HistoryEvent;
import io.tributary.chaos.history.HistoryEvent.Type;
import io.tributary.chaos.nemesis.FaultPacing;
import io.tributary.chaos.workload.ChaosWorkload;
import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.testkit.TributaryContainer;
import io.tributary.testkit.TributaryImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Network;
import org.testcontainers.lifecycle.Startables;

/**
 * The chaos workload and checker against the node image, where a Docker engine runs: three
 * containers on a Docker network with fixed addresses, the same idempotent producers and consumers
 * as the process harness (from this host, over the network's bridge), and faults played through the
 * engine: kill -9 and restart, pause (the cgroup freezer: SIGSTOP for a whole container) and
 * isolation (the container disconnected from the network). The nemeses that need the power-loss
 * filesystem or nftables stay with the process harness (ChaosScheduleTest). Skipped, saying so,
 * where no engine answers (required in CI).
 */
class ContainerChaosTest {
    private static final int NODES = 3;
    private static final int PARTITIONS = 4;
    private static final long SEED = 31;
    private static final Duration FAULTS = Duration.ofSeconds(40);

    @Test
    void theChaosWorkloadChecksOutAgainstContainers() throws Exception {
        String image = TributaryImage.fromCheckout().get();
        Path dir = Path.of("target", "chaos-runs", "containers-seed" + SEED).toAbsolutePath();
        Files.createDirectories(dir);
        // a subnet of its own, apart from the process harness's 10.213.x.0/24
        String prefix = "10.214." + (20 + ProcessHandle.current().pid() % 200) + ".";
        String voters = IntStream.rangeClosed(1, NODES).mapToObj(id -> id + "@" + prefix + (10 + id) + ":9093")
                .collect(Collectors.joining(","));
        try (Network network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withIpam(
                new com.github.dockerjava.api.model.Network.Ipam().withConfig(
                        new com.github.dockerjava.api.model.Network.Ipam.Config().withSubnet(prefix + "0/24")))).build()) {
            List<TributaryContainer> nodes = new ArrayList<>();
            try {
                for (int id = 1; id <= NODES; id++) {
                    nodes.add(new TributaryContainer(image).asClusterMember(network, id, prefix + (10 + id), voters)
                            .withEnv("TRIBUTARY_DEFAULT_REPLICATION_FACTOR", "3")
                            // election rounds in the saved node logs: where a controller failover's time goes
                            .withEnv("TRIBUTARY_ELECTION_LOG_LEVEL", "INFO"));
                }
                Startables.deepStart(nodes).join();
                List<String> bootstrap = nodes.stream().map(TributaryContainer::getClusterAddress).toList();
                try (History history = History.create(dir.resolve(ChaosRun.HISTORY_FILE))) {
                    try (Admin admin = Admin.create(bootstrap, Duration.ofSeconds(30))) {
                        admin.createTopic(new NewTopic(ChaosRun.TOPIC, PARTITIONS, NODES, Map.of("min.insync.replicas", "2")));
                    }
                    runWorkload(nodes, network, bootstrap, history);
                    for (int i = 0; i < NODES; i++) {
                        List<String> log = nodes.get(i).getLogs().lines().toList();
                        Files.createDirectories(dir.resolve("node" + (i + 1)));
                        Files.write(dir.resolve("node" + (i + 1)).resolve("node.log"), log);
                        for (String entry : NodeLogScan.suspicious(log, false)) {
                            history.record("node" + (i + 1), Type.NODE_LOG, -1, "", -1, entry);
                        }
                    }
                }
            } finally {
                nodes.forEach(TributaryContainer::stop);
            }
        }
        ChaosRun.Outcome outcome = ChaosRun.check("3 containers, kill/pause/isolate, seed " + SEED, dir);
        System.out.println(outcome.report());
        assertThat(outcome.valid()).as(outcome.report()).isTrue();
    }

    private static void runWorkload(List<TributaryContainer> nodes, Network network, List<String> bootstrap,
                                    History history) throws Exception {
        ChaosWorkload workload = new ChaosWorkload(bootstrap, ChaosRun.TOPIC, PARTITIONS, 4, 2, 400);
        boolean drained = workload.run(() -> {
            playFaults(nodes, network, history);
            history.record(HistoryEvent.NEMESIS, Type.NEMESIS_STOP, -1, "heal-all", -1, "every container up and connected");
        }, history);
        assertThat(drained).as("the final drain read every partition").isTrue();
    }

    /** One fault at a time on one container, each healed before the next. */
    private static void playFaults(List<TributaryContainer> nodes, Network network, History history) throws Exception {
        FaultPacing pacing = new FaultPacing(SEED);
        DockerClient docker = nodes.get(0).getDockerClient();
        long endNanos = System.nanoTime() + FAULTS.toNanos();
        List<String> kinds = List.of("isolate", "kill", "pause"); // in turn, so that a short run plays each
        for (int round = 0; System.nanoTime() < endNanos; round++) {
            pacing.pause(2_000, 4_000);
            int index = pacing.random().nextInt(nodes.size());
            TributaryContainer node = nodes.get(index);
            String id = node.getContainerId();
            String kind = kinds.get(round % kinds.size());
            String what = kind + " node" + (index + 1);
            int readyLines = readyLines(node);
            history.record(HistoryEvent.NEMESIS, Type.NEMESIS_START, -1, kind, -1, what);
            switch (kind) {
                case "kill" -> docker.killContainerCmd(id).exec();
                case "pause" -> pause(docker, id);
                default -> docker.disconnectFromNetworkCmd().withNetworkId(network.getId()).withContainerId(id)
                        .withForce(true).exec();
            }
            pacing.pause(3_000, 6_000);
            switch (kind) {
                case "kill" -> docker.startContainerCmd(id).exec();
                case "pause" -> docker.unpauseContainerCmd(id).exec();
                default -> docker.connectToNetworkCmd().withNetworkId(network.getId()).withContainerId(id)
                        .withContainerNetwork(new ContainerNetwork().withIpamConfig(
                                new ContainerNetwork.Ipam().withIpv4Address(node.getClusterAddress().split(":")[0])))
                        .exec();
            }
            history.record(HistoryEvent.NEMESIS, Type.NEMESIS_STOP, -1, kind, -1, what);
            if (kind.equals("kill")) {
                awaitReadyAgain(node, readyLines, history, index + 1);
            }
        }
    }

    /**
     * docker pause, tried again when the cgroup freezer gives up ("unable to freeze": runc times
     * out while a task sits in uninterruptible I/O, an fsync, and thaws the container again).
     */
    private static void pause(DockerClient docker, String id) {
        await("docker pause " + id).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsMatching(e -> e instanceof InternalServerErrorException && e.getMessage() != null
                        && e.getMessage().contains("unable to freeze"))
                .until(() -> {
                    docker.pauseContainerCmd(id).exec();
                    return true;
                });
    }

    private static int readyLines(TributaryContainer node) {
        return (int) node.getLogs().lines().filter(l -> l.matches("Tributary node \\d+ ready.*")).count();
    }

    /** A restarted container serves again once it prints another ready line (the next fault waits for it). */
    private static void awaitReadyAgain(TributaryContainer node, int readyLinesBefore, History history, int nodeId) {
        long startNanos = System.nanoTime();
        await("node" + nodeId + " ready again after its restart").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200)).until(() -> readyLines(node) > readyLinesBefore);
        history.record(HistoryEvent.NEMESIS, Type.NODE_READY, -1, "node" + nodeId,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), "");
    }
}
