package io.tributary.broker.kafka;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the Kafka listener. Requests are handed to {@link KafkaApis} in the
 * order they arrive (on the connection's event loop, so a producer's batches reach a partition in
 * order) and may complete in any order; responses go out in request order, as Kafka clients match
 * them by position as well as by correlation id. At most {@link #MAX_IN_FLIGHT} requests are
 * pending: beyond it the connection stops reading until one is answered.
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);
    static final int MAX_IN_FLIGHT = 16;

    private final KafkaApis apis;
    /** Confined to the event loop. An empty Optional is a request that gets no response (acks=0). */
    private final ArrayDeque<CompletableFuture<Optional<ByteBuffer>>> pending = new ArrayDeque<>();
    private String clientHost = "";

    KafkaConnection(KafkaApis apis) {
        this.apis = apis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        SocketAddress remote = ctx.channel().remoteAddress();
        // as Kafka writes a member's client host
        clientHost = remote instanceof InetSocketAddress inet ? "/" + inet.getAddress().getHostAddress() : String.valueOf(remote);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuffer frame;
        ByteBuf buf = (ByteBuf) msg;
        try {
            // copied out of Netty's pooled buffer: the records it holds outlive this call (the append
            // path and the response keep slices of the request)
            frame = ByteBuffer.allocate(buf.readableBytes());
            buf.readBytes(frame);
            frame.flip();
        } finally {
            buf.release();
        }
        CompletableFuture<Optional<ByteBuffer>> answer;
        try {
            answer = apis.handle(KafkaCodec.parse(frame), clientHost);
        } catch (KafkaCodec.UnsupportedVersionRequest e) {
            answer = CompletableFuture.completedFuture(Optional.of(apis.unsupportedApiVersions(e.header())));
        } catch (InvalidRequestException e) {
            log.info("Kafka client {}: {}; closing the connection", ctx.channel().remoteAddress(), e.getMessage());
            ctx.close();
            return;
        }
        pending.addLast(answer);
        if (pending.size() >= MAX_IN_FLIGHT) {
            ctx.channel().config().setAutoRead(false);
        }
        if (answer.isDone()) {
            writeAnswered(ctx);
        } else {
            answer.whenComplete((ok, failure) -> ctx.executor().execute(() -> writeAnswered(ctx)));
        }
    }

    /** Writes the answered responses at the head of the queue, in request order. */
    private void writeAnswered(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!pending.isEmpty() && pending.peekFirst().isDone()) {
            CompletableFuture<Optional<ByteBuffer>> answer = pending.pollFirst();
            Optional<ByteBuffer> response;
            try {
                response = answer.join();
            } catch (CompletionException e) {
                // KafkaApis answers every failure it can name with the protocol's error; what is
                // left (an acks=0 produce that failed) closes the connection, as in Kafka
                log.info("Kafka client {}: {}; closing the connection", ctx.channel().remoteAddress(),
                        e.getCause() == null ? e.toString() : e.getCause().getMessage());
                pending.clear();
                ctx.close();
                return;
            }
            if (response.isPresent()) {
                ctx.write(Unpooled.wrappedBuffer(response.get()));
                wrote = true;
            }
        }
        if (wrote) {
            ctx.flush();
        }
        if (pending.size() < MAX_IN_FLIGHT && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // an oversized frame, a reset connection: the client reconnects, nothing was half-applied
        log.info("Kafka client {}: {}; closing the connection", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
