package io.tributary.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tributary} command. Exit codes: 0 success, 1 the cluster answered with an error,
 * 2 bad usage, 3 the cluster could not be reached.
 */
@Command(name = "tributary", mixinStandardHelpOptions = true, version = "tributary 0.1.0",
        description = "Tributary: a replicated, Raft-coordinated event-streaming platform.",
        subcommands = {
            QuickstartCommand.class,
            ServerCommand.class,
            StopCommand.class,
            HealthCommand.class,
            TopicCommand.class,
            ClusterCommand.class,
            ProduceCommand.class,
            ConsumeCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class TributaryCli implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_REQUEST_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNREACHABLE = 3;
    /** A server stopped because its log directory failed (a failed write, fsync or truncation, a full disk). */
    public static final int EXIT_STORAGE_FAILURE = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        return new CommandLine(new TributaryCli()).setExecutionExceptionHandler(new ErrorHandler());
    }

    public static void main(String[] args) {
        // Libraries that log through java.util.logging (Ratis's shaded gRPC) go to Logback too.
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        System.exit(commandLine().execute(args));
    }
}
