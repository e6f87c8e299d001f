package io.tributary.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tributary} command. Exit codes: 0 success, 1 the cluster answered with an error,
 * 2 bad usage, 3 the cluster could not be reached.
 */
@Command(name = "tributary", mixinStandardHelpOptions = true, version = "tributary 0.1.0",
        description = "Tributary: a replicated, Raft-coordinated event-streaming platform.")
public final class TributaryCli implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_REQUEST_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNREACHABLE = 3;
    /** A server stopped because its log directory failed (a failed write, fsync or truncation, a full disk). */
    public static final int EXIT_STORAGE_FAILURE = 4;

    /**
     * The subcommands in the order help lists them. picocli reads the annotations of every command
     * registered, and each command's classes with them, before it parses anything: a command line
     * that names one gets only that one registered (see {@link #commandLine(String...)}).
     */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("quickstart", QuickstartCommand::new);
        SUBCOMMANDS.put("server", ServerCommand::new);
        SUBCOMMANDS.put("stop", StopCommand::new);
        SUBCOMMANDS.put("health", HealthCommand::new);
        SUBCOMMANDS.put("topic", TopicCommand::new);
        SUBCOMMANDS.put("cluster", ClusterCommand::new);
        SUBCOMMANDS.put("produce", ProduceCommand::new);
        SUBCOMMANDS.put("consume", ConsumeCommand::new);
        SUBCOMMANDS.put("group", GroupCommand::new);
        SUBCOMMANDS.put("bench", BenchCommand::new);
        SUBCOMMANDS.put("help", CommandLine.HelpCommand::new);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The whole command tree. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command tree for {@code args}: when the first word names a subcommand, only that one
     * (its usage, errors and execution are the same); else every one, for the top-level usage,
     * {@code help} and the suggestions after a mistyped name.
     */
    public static CommandLine commandLine(String... args) {
        CommandLine commandLine = new CommandLine(new TributaryCli());
        String first = args.length > 0 ? args[0] : "";
        if (SUBCOMMANDS.containsKey(first) && !first.equals("help")) {
            commandLine.addSubcommand(first, SUBCOMMANDS.get(first).get());
        } else {
            SUBCOMMANDS.forEach((name, command) -> commandLine.addSubcommand(name, command.get()));
        }
        return commandLine.setExecutionExceptionHandler(new ErrorHandler()); // after adding: it reaches subcommands
    }

    public static void main(String[] args) {
        // Libraries that log through java.util.logging (Ratis's shaded gRPC) go to Logback too.
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        System.exit(commandLine(args).execute(args));
    }
}
