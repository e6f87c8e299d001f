package io.tributary.client.internal;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.proto.v1.TributaryGrpc;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One plaintext gRPC channel per broker address, shared by every request of one client. Callbacks
 * run on the transport's threads ({@code directExecutor}): callers only hand results over to their
 * own thread there.
 */
public final class ChannelPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChannelPool.class);
    private static final int FLOW_CONTROL_WINDOW = 8 << 20;

    private final ConcurrentHashMap<BrokerAddress, TributaryGrpc.TributaryStub> stubs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<BrokerAddress, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** The async stub for a broker (no deadline set; add one per call). */
    public TributaryGrpc.TributaryStub stub(BrokerAddress address) {
        TributaryGrpc.TributaryStub stub = stubs.get(address);
        if (stub != null) {
            return stub;
        }
        return stubs.computeIfAbsent(address, a -> TributaryGrpc.newStub(channel(a)));
    }

    private ManagedChannel channel(BrokerAddress address) {
        if (closed) {
            throw new IllegalStateException("client is closed");
        }
        return channels.computeIfAbsent(address, a -> NettyChannelBuilder.forAddress(a.host(), a.port())
                .usePlaintext()
                .directExecutor()
                .maxInboundMessageSize(Integer.MAX_VALUE)
                .initialFlowControlWindow(FLOW_CONTROL_WINDOW)
                .build());
    }

    @Override
    public void close() {
        closed = true;
        for (ManagedChannel channel : channels.values()) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : channels.values()) {
            try {
                if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                    log.debug("channel {} did not terminate in 5 s", channel);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        channels.clear();
        stubs.clear();
    }
}
