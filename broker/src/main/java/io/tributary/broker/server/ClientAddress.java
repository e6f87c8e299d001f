package io.tributary.broker.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The client's address on a group heartbeat, for the member's client host ({@code group describe}),
 * written as Kafka writes it ("/127.0.0.1"). Only that call carries it: the other calls, produce
 * and fetch among them, pass through untouched.
 */
final class ClientAddress implements ServerInterceptor {
    private static final Context.Key<String> HOST = Context.key("tributary-client-host");
    private static final String HEARTBEAT = "ConsumerGroupHeartbeat";

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        if (!HEARTBEAT.equals(call.getMethodDescriptor().getBareMethodName())) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(HOST, host(call.getAttributes()
                .get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR))), call, headers, next);
    }

    /** "/" and the IP address of a socket address, "" when there is none. */
    static String host(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? "/" + inet.getAddress().getHostAddress() : "";
    }

    /** The current heartbeat's client host, "" outside one. */
    static String current() {
        String host = HOST.get();
        return host == null ? "" : host;
    }
}
