package io.tributary.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Stops the background node that {@code quickstart} started, using the pid file in its data dir. */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop the node started by 'tributary quickstart' (SIGTERM, then waits for a clean shutdown).")
final class StopCommand implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data", description = "Data directory of the node. Default: ./data")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        Path pidFile = dataDir.resolve(QuickstartCommand.PID_FILE);
        if (!Files.exists(pidFile)) {
            System.err.println("No node started by quickstart in " + dataDir.toAbsolutePath().normalize() + " (no "
                    + QuickstartCommand.PID_FILE + ").");
            return TributaryCli.EXIT_REQUEST_FAILED;
        }
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            System.out.println("Node (pid " + pid + ") is not running.");
            Files.deleteIfExists(pidFile);
            return TributaryCli.EXIT_OK;
        }
        process.get().destroy();
        try {
            process.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            System.err.println("Node (pid " + pid + ") did not stop within 30 s; killing it.");
            process.get().destroyForcibly();
        }
        Files.deleteIfExists(pidFile);
        System.out.println("Stopped node (pid " + pid + ").");
        return TributaryCli.EXIT_OK;
    }
}
