package io.tributary.testkit;

import com.github.dockerjava.api.command.InspectContainerResponse;
import java.time.Duration;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * A single Tributary node in a container, for tests, in the manner of Testcontainers' Kafka and
 * Redpanda modules: {@code new TributaryContainer("tributary:dev")}, {@link #start()}, then
 * {@link #getBootstrapServers()} for the client. The node advertises the host's published port,
 * which is known only once the container runs: the image's entrypoint waits for that setting
 * ({@code TRIBUTARY_CONFIG_WAIT}), which {@link #containerIsStarting} copies in.
 *
 * <p>For a cluster, {@link #asClusterMember} gives each node a fixed address on a Docker network:
 * it binds and advertises that address (the other nodes and, on a Linux engine, this host reach
 * it), so a client on this host bootstraps from {@link #getClusterAddress()}.
 */
public class TributaryContainer extends GenericContainer<TributaryContainer> {
    /** The node's client (gRPC) port inside the container. */
    public static final int CLIENT_PORT = 9092;
    /** The node's Prometheus metrics port inside the container. */
    public static final int METRICS_PORT = 9094;
    private static final String ADVERTISED_CONFIG = "/tmp/tributary-advertised.properties";
    private String clusterIp;

    public TributaryContainer(String image) {
        this(DockerImageName.parse(image));
    }

    public TributaryContainer(DockerImageName image) {
        super(image);
        withExposedPorts(CLIENT_PORT, METRICS_PORT);
        // the node's ready line: registered, caught up and unfenced (its health check says SERVING then too)
        waitingFor(Wait.forLogMessage(".*Tributary node \\d+ ready.*\\n", 1).withStartupTimeout(Duration.ofMinutes(2)));
    }

    /**
     * Makes this container node {@code nodeId} of a cluster on {@code network} (made with a subnet
     * that holds {@code ip}), with the given {@code controller.quorum.voters}.
     */
    public TributaryContainer asClusterMember(Network network, int nodeId, String ip, String voters) {
        this.clusterIp = ip;
        withNetwork(network);
        withCreateContainerCmdModifier(cmd -> cmd.withIpv4Address(ip));
        withEnv("TRIBUTARY_NODE_ID", String.valueOf(nodeId));
        withEnv("TRIBUTARY_HOST", ip);
        withEnv("TRIBUTARY_CONTROLLER_QUORUM_VOTERS", voters);
        return self();
    }

    /** A cluster member's address (its client port is {@value #CLIENT_PORT}). */
    public String getClusterAddress() {
        return clusterIp + ":" + CLIENT_PORT;
    }

    @Override
    protected void configure() {
        super.configure();
        if (clusterIp == null) {
            withEnv("TRIBUTARY_CONFIG_WAIT", ADVERTISED_CONFIG); // the published port, copied in at start
        }
    }

    @Override
    protected void containerIsStarting(InspectContainerResponse containerInfo) {
        if (clusterIp != null) {
            return; // it advertises its own network address
        }
        String advertised = "advertised.host=" + getHost() + "\nadvertised.client.port=" + getMappedPort(CLIENT_PORT) + "\n";
        copyFileToContainer(Transferable.of(advertised), ADVERTISED_CONFIG);
    }

    /** The address a client on this host bootstraps from. */
    public String getBootstrapServers() {
        return getHost() + ":" + getMappedPort(CLIENT_PORT);
    }

    /** The node's Prometheus endpoint, as seen from this host. */
    public String getMetricsUrl() {
        return "http://" + getHost() + ":" + getMappedPort(METRICS_PORT) + "/metrics";
    }
}
