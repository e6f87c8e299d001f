package io.tributary.testkit;

import io.tributary.client.Admin;
import io.tributary.client.Consumer;
import io.tributary.client.Producer;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that starts {@link EmbeddedTributary} nodes once for a test class and stops
 * them (deleting their data) after it. Test methods and constructors may take an
 * {@link EmbeddedTributary} (its bootstrap address), or a ready {@link Producer}, {@link Consumer}
 * or {@link Admin}, which the extension closes after the method:
 *
 * <pre>{@code
 * class MyTest {
 *     @RegisterExtension
 *     static final TributaryExtension tributary = TributaryExtension.singleNode();
 *
 *     @Test
 *     void sends(Producer producer, Consumer consumer) { ... }
 * }
 * }</pre>
 * Or {@code @ExtendWith(TributaryExtension.class)} for one node with the defaults.
 */
public final class TributaryExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private static final List<Class<?>> RESOLVED = List.of(EmbeddedTributary.class, Producer.class, Consumer.class,
            Admin.class);

    private final int nodeCount;
    private EmbeddedTributary tributary;

    /** One node (what {@code @ExtendWith(TributaryExtension.class)} gives). */
    public TributaryExtension() {
        this(1);
    }

    private TributaryExtension(int nodeCount) {
        if (nodeCount < 1) {
            throw new IllegalArgumentException("a Tributary cluster has at least one node, got " + nodeCount);
        }
        this.nodeCount = nodeCount;
    }

    public static TributaryExtension singleNode() {
        return new TributaryExtension(1);
    }

    /** {@code nodeCount} combined nodes; topics default to min(3, nodeCount) replicas. */
    public static TributaryExtension cluster(int nodeCount) {
        return new TributaryExtension(nodeCount);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        tributary = EmbeddedTributary.start(nodeCount);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (tributary != null) {
            tributary.close();
            tributary = null;
        }
    }

    /** The running nodes (between beforeAll and afterAll). */
    public EmbeddedTributary tributary() {
        if (tributary == null) {
            throw new IllegalStateException("the embedded nodes run only while the test class runs"
                    + " (register the extension on a static field)");
        }
        return tributary;
    }

    /** {@link EmbeddedTributary#bootstrapServersString()} of the running nodes. */
    public String bootstrapServers() {
        return tributary().bootstrapServersString();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return RESOLVED.contains(parameter.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        EmbeddedTributary nodes = tributary();
        if (type == EmbeddedTributary.class) {
            return nodes;
        }
        AutoCloseable client = type == Producer.class ? nodes.newProducer()
                : type == Consumer.class ? nodes.newConsumer()
                : type == Admin.class ? nodes.newAdmin() : null;
        if (client == null) {
            throw new ParameterResolutionException("TributaryExtension cannot supply a " + type.getName());
        }
        // closed when the method (or, for a constructor parameter, the test instance) is done
        context.getStore(ExtensionContext.Namespace.create(TributaryExtension.class, parameter.getDeclaringExecutable()))
                .put(parameter.getIndex(), client);
        return client;
    }
}
