package io.tributary.broker.replica;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.metadata.BrokerRegistration;
import io.tributary.metadata.Endpoint;
import io.tributary.metadata.MetadataImage;
import io.tributary.proto.v1.TributaryGrpc;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * gRPC channels from this broker to the other brokers' client listeners, for replica fetches and
 * heartbeats to the active controller; one per broker and address, re-created when a broker
 * re-registers elsewhere.
 */
public final class BrokerChannels implements AutoCloseable {
    private static final int MAX_INBOUND_MESSAGE_BYTES = 100 * 1024 * 1024;

    private final String listenerName;
    private final Supplier<MetadataImage> image;
    private final Map<Integer, Entry> channels = new HashMap<>(); // guarded by this
    private boolean closed;

    private record Entry(String address, ManagedChannel channel) {
    }

    public BrokerChannels(String listenerName, Supplier<MetadataImage> image) {
        this.listenerName = listenerName;
        this.image = image;
    }

    /** A stub for {@code brokerId}'s current address, or empty when the metadata has none. */
    public Optional<TributaryGrpc.TributaryBlockingStub> stub(int brokerId) {
        return channel(brokerId).map(TributaryGrpc::newBlockingStub);
    }

    /** The channel to {@code brokerId}'s current address, or empty when the metadata has none. */
    public synchronized Optional<ManagedChannel> channel(int brokerId) {
        if (closed) {
            return Optional.empty();
        }
        BrokerRegistration broker = image.get().brokers().get(brokerId);
        if (broker == null) {
            return Optional.empty();
        }
        Optional<Endpoint> endpoint = broker.endpoints().stream().filter(e -> e.name().equals(listenerName)).findFirst();
        if (endpoint.isEmpty()) {
            return Optional.empty();
        }
        String address = endpoint.get().host() + ":" + endpoint.get().port();
        Entry entry = channels.get(brokerId);
        if (entry == null || !entry.address().equals(address)) {
            if (entry != null) {
                entry.channel().shutdownNow();
            }
            ManagedChannel channel = NettyChannelBuilder.forAddress(endpoint.get().host(), endpoint.get().port())
                    .usePlaintext().maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES).build();
            entry = new Entry(address, channel);
            channels.put(brokerId, entry);
        }
        return Optional.of(entry.channel());
    }

    @Override
    public synchronized void close() throws InterruptedException {
        closed = true;
        for (Entry entry : channels.values()) {
            entry.channel().shutdownNow();
        }
        for (Entry entry : channels.values()) {
            entry.channel().awaitTermination(5, TimeUnit.SECONDS);
        }
        channels.clear();
    }
}
