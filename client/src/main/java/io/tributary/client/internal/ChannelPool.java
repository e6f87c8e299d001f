package io.tributary.client.internal;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.tributary.proto.v1.TributaryGrpc;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One plaintext gRPC channel per broker address, shared by every request of one client. Callbacks
 * run on the transport's threads ({@code directExecutor}): callers only hand results over to their
 * own thread there.
 *
 * <p>The channels run on event-loop threads of this client's own (daemon threads, as gRPC's shared
 * ones are), which {@link #close} stops and awaits: gRPC's shared loop outlives the last channel
 * by a second and its threads wait inside epoll, and the JVM, when it exits, waits up to 300 ms
 * for threads in native code, a third of every short CLI command's time.
 */
public final class ChannelPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChannelPool.class);
    private static final int FLOW_CONTROL_WINDOW = 8 << 20;
    static final long RECONNECT_BACKOFF_MAX_MS = 1_000;

    private final ConcurrentHashMap<BrokerAddress, TributaryGrpc.TributaryStub> stubs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<BrokerAddress, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final boolean epoll = Epoll.isAvailable();
    /** 0: Netty's default, twice the cores, as gRPC's shared group. */
    private final EventLoopGroup eventLoops = epoll
            ? new EpollEventLoopGroup(0, new DefaultThreadFactory("tributary-client", true))
            : new NioEventLoopGroup(0, new DefaultThreadFactory("tributary-client", true));
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
        return channels.computeIfAbsent(address, a -> {
            ManagedChannel channel = NettyChannelBuilder.forAddress(a.host(), a.port())
                    .eventLoopGroup(eventLoops)
                    .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .usePlaintext()
                    .directExecutor()
                    .maxInboundMessageSize(Integer.MAX_VALUE)
                    .initialFlowControlWindow(FLOW_CONTROL_WINDOW)
                    .build();
            capReconnectBackoff(channel);
            return channel;
        });
    }

    /**
     * gRPC backs reconnects off exponentially up to two minutes, failing every call at once
     * meanwhile: a client whose broker was down for half a minute would then ignore it for as long
     * again after it is back (a chaos run's producer did). Like Kafka's
     * {@code reconnect.backoff.max.ms}, this caps the wait at {@value #RECONNECT_BACKOFF_MAX_MS} ms.
     */
    private void capReconnectBackoff(ManagedChannel channel) {
        ConnectivityState state = channel.getState(false);
        if (state == ConnectivityState.SHUTDOWN || closed) {
            return;
        }
        if (state == ConnectivityState.TRANSIENT_FAILURE) {
            eventLoops.schedule(() -> {
                if (!closed) {
                    channel.resetConnectBackoff();
                }
            }, RECONNECT_BACKOFF_MAX_MS, TimeUnit.MILLISECONDS);
        }
        channel.notifyWhenStateChanged(state, () -> capReconnectBackoff(channel));
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
                eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
                return;
            }
        }
        channels.clear();
        stubs.clear();
        // no quiet period: every channel on it has terminated
        var terminated = eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        boolean onOwnLoop = false;
        for (EventExecutor loop : eventLoops) {
            onOwnLoop |= loop.inEventLoop();
        }
        if (!onOwnLoop && !terminated.awaitUninterruptibly(2, TimeUnit.SECONDS)) { // a loop cannot await itself
            log.debug("client event loops did not stop in 2 s");
        }
    }
}
