package io.tributary.broker.lifecycle;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** One plaintext gRPC channel per peer node address, shared by this node's outgoing calls. */
public final class NodeChannels implements AutoCloseable {
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public ManagedChannel channel(String host, int port) {
        return channels.computeIfAbsent(host + ":" + port,
                ignored -> NettyChannelBuilder.forAddress(host, port).usePlaintext().build());
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel channel : channels.values()) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : channels.values()) {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        }
        channels.clear();
    }
}
