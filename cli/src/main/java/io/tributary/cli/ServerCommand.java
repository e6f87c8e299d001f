package io.tributary.cli;

import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.server.BrokerNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a node in the foreground until SIGTERM or Ctrl-C, then stops it cleanly. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run a Tributary node (combined controller + broker) in the foreground.")
final class ServerCommand implements Callable<Integer> {
    @Option(names = "--dev", description = "Single node on 127.0.0.1 with the default ports (9092 client, 9093 controller, 9094 metrics).")
    boolean dev;

    @Option(names = "--config", paramLabel = "FILE", description = "Node properties file (node.id, host, client.port, controller.port, metrics.port, data.dir, controller.quorum.voters).")
    Path configFile;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (overrides the config file). Default: ./data")
    Path dataDir;

    @Option(names = "--port", paramLabel = "PORT", description = "Client port (overrides the config file).")
    Integer port;

    @Option(names = "--controller-port", paramLabel = "PORT", description = "Controller (Ratis) port (overrides the config file).")
    Integer controllerPort;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Prometheus metrics port, -1 to disable (overrides the config file).")
    Integer metricsPort;

    @Override
    public Integer call() throws Exception {
        if (dev == (configFile != null)) {
            System.err.println("Give exactly one of --dev or --config FILE.");
            return TributaryCli.EXIT_USAGE;
        }
        NodeConfig config = dev ? NodeConfig.dev(Path.of("data")) : NodeConfig.load(configFile);
        if (dataDir != null) {
            config = config.withDataDir(dataDir);
        }
        if (port != null || controllerPort != null || metricsPort != null) {
            config = config.withPorts(port != null ? port : config.clientPort(),
                    controllerPort != null ? controllerPort : config.controllerPort(),
                    metricsPort != null ? metricsPort : config.metricsPort());
        }
        BrokerNode node = BrokerNode.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            // what supervisors and container tests look for: the JVM still exits 143 after SIGTERM
            System.out.print("Tributary node " + node.nodeId() + " stopped cleanly" + System.lineSeparator());
            System.out.flush();
            stopped.countDown();
        }, "shutdown"));
        // One write of the whole line: printf writes (and flushes) piece by piece, and log lines on
        // stderr, sent to the same file by process supervisors, then land inside it.
        System.out.print(String.format("Tributary node %d ready: clients at %s, metrics at http://%s:%d/metrics, data in %s%n",
                node.nodeId(), node.bootstrapAddress(), node.host(), node.metricsPort(),
                config.dataDir().toAbsolutePath().normalize()));
        System.out.flush();
        node.storageFailure().thenRun(stopped::countDown); // the node stopped itself: its disk failed
        stopped.await();
        if (node.storageFailure().isDone()) {
            System.err.println("Tributary node " + node.nodeId() + " stopped: its log directory failed ("
                    + node.storageFailure().join() + "); fix the disk, then start it again");
            return TributaryCli.EXIT_STORAGE_FAILURE;
        }
        return TributaryCli.EXIT_OK;
    }
}
