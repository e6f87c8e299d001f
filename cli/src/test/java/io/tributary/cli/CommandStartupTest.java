package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** What keeps a short command's start-up short, checked for what it must not change. */
class CommandStartupTest {

    @Test
    void aCommandLineNamingASubcommandRegistersOnlyThatOne() {
        assertThat(TributaryCli.commandLine("topic", "list").getSubcommands()).containsOnlyKeys("topic");
        assertThat(TributaryCli.commandLine("topic", "list").getSubcommands().get("topic").getSubcommands())
                .containsKeys("create", "list", "describe", "alter", "delete");
    }

    @Test
    void helpAndMistypedNamesSeeEveryCommand() {
        for (String[] args : new String[][] {{}, {"--help"}, {"help", "topic"}, {"tpoic", "list"}}) {
            assertThat(TributaryCli.commandLine(args).getSubcommands())
                    .containsKeys("quickstart", "server", "stop", "health", "topic", "cluster", "produce", "consume",
                            "bench", "help");
        }
    }

    @Test
    void commandLoggingConfiguresWarningsToStderrOnlyWhenTheLauncherAsks() {
        String before = System.getProperty(CommandLogging.PROPERTY);
        try {
            System.clearProperty(CommandLogging.PROPERTY);
            assertThat(configure(new LoggerContext())).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);

            System.setProperty(CommandLogging.PROPERTY, CommandLogging.COMMAND);
            LoggerContext context = new LoggerContext();
            ExecutionStatus status = configure(context);
            if (System.getenv("TRIBUTARY_LOG_LEVEL") == null) {
                assertThat(status).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
                ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
                assertThat(root.getLevel()).isEqualTo(Level.WARN);
                assertThat(root.getAppender("STDERR")).isNotNull();
                assertThat(root.getAppender("STDERR").isStarted()).isTrue();
            } else {
                assertThat(status).as("an explicit level: logback.xml applies it").isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
            }
        } finally {
            if (before == null) {
                System.clearProperty(CommandLogging.PROPERTY);
            } else {
                System.setProperty(CommandLogging.PROPERTY, before);
            }
        }
    }

    private static ExecutionStatus configure(LoggerContext context) {
        CommandLogging logging = new CommandLogging();
        logging.setContext(context);
        return logging.configure(context);
    }
}
