package io.tributary.cli;

import io.grpc.StatusRuntimeException;
import io.tributary.broker.config.ConfigException;
import io.tributary.client.NetworkException;
import io.tributary.client.TributaryException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Turns failures into one clear line on stderr and a meaningful exit code, not a stack trace. */
final class ErrorHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        Throwable cause = ex;
        while (cause.getCause() != null && !(cause instanceof TributaryException)
                && !(cause instanceof StatusRuntimeException)) {
            cause = cause.getCause();
        }
        if (cause instanceof TributaryException te) {
            commandLine.getErr().println("error: " + te.getMessage()); // the message starts with the code
            return isUnreachable(te) ? TributaryCli.EXIT_UNREACHABLE : TributaryCli.EXIT_REQUEST_FAILED;
        }
        if (cause instanceof StatusRuntimeException sre) {
            commandLine.getErr().println("error: cannot reach the cluster: " + sre.getStatus());
            return TributaryCli.EXIT_UNREACHABLE;
        }
        if (ex instanceof ConfigException || ex instanceof IllegalArgumentException) {
            commandLine.getErr().println("error: " + ex.getMessage());
            return TributaryCli.EXIT_USAGE;
        }
        commandLine.getErr().println("error: " + ex);
        return TributaryCli.EXIT_REQUEST_FAILED;
    }

    /** Transport failures: nothing answered, as opposed to an error the cluster sent back. */
    private static boolean isUnreachable(TributaryException e) {
        return e instanceof NetworkException || e instanceof io.tributary.client.TimeoutException;
    }
}
