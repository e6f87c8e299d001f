package io.tributary.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Asks one node's standard gRPC health service whether it serves clients: what a container's
 * health check or a load balancer runs. A node says SERVING once it is registered, caught up and
 * unfenced, and NOT_SERVING from the start of a shutdown.
 */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = "Ask a node whether it serves clients (the gRPC health service). Exit 0: SERVING; 1: not serving; 3: unreachable.")
final class HealthCommand implements Callable<Integer> {
    @Option(names = {"--server", "-s"}, paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092",
            description = "The node's client address. Default: ${DEFAULT-VALUE}")
    String server;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "3000", description = "Default: ${DEFAULT-VALUE}")
    long timeoutMs;

    @Override
    public Integer call() {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(server).usePlaintext().build();
        try {
            HealthCheckResponse response = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
            System.out.println(server + ": " + response.getStatus());
            return response.getStatus() == HealthCheckResponse.ServingStatus.SERVING
                    ? TributaryCli.EXIT_OK : TributaryCli.EXIT_REQUEST_FAILED;
        } catch (StatusRuntimeException e) {
            System.err.println(server + ": unreachable (" + e.getStatus().getCode()
                    + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()) + ")");
            return TributaryCli.EXIT_UNREACHABLE;
        } finally {
            channel.shutdownNow();
        }
    }
}
