package io.tributary.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * Logging for the short commands (topic, produce, health, ...): warnings to stderr, configured in
 * code. Reading {@code logback.xml} costs a command about 80 ms of its start-up (an XML parser and
 * Joran's rules, all cold), more than anything else a command does before it connects. The
 * launcher asks for it with {@code -Dtributary.logging=command}; without that (a node, the tests)
 * or with {@code TRIBUTARY_LOG_LEVEL} set, {@code logback.xml} configures Logback as before.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class CommandLogging extends ContextAwareBase implements Configurator {
    static final String PROPERTY = "tributary.logging";
    static final String COMMAND = "command";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (!COMMAND.equals(System.getProperty(PROPERTY)) || System.getenv("TRIBUTARY_LOG_LEVEL") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n"); // as logback.xml's
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
