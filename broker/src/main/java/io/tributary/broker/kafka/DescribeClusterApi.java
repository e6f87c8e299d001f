package io.tributary.broker.kafka;

import io.tributary.metadata.BrokerRegistration;
import io.tributary.metadata.Endpoint;
import io.tributary.metadata.MetadataImage;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka DescribeCluster from the metadata image: the brokers at their Kafka endpoints. Controllers
 * (endpoint type 2) are not reachable by Kafka's protocol here, so that question is refused.
 */
final class DescribeClusterApi {
    private static final byte BROKERS = 1;

    private final Supplier<MetadataImage> image;
    private final int nodeId;
    private final String listener;

    DescribeClusterApi(Supplier<MetadataImage> image, int nodeId, String listener) {
        this.image = image;
        this.nodeId = nodeId;
        this.listener = listener;
    }

    CompletableFuture<DescribeClusterResponseData> handle(DescribeClusterRequestData request) {
        MetadataImage metadata = image.get();
        DescribeClusterResponseData out = new DescribeClusterResponseData().setClusterId(metadata.clusterId())
                .setControllerId(nodeId).setEndpointType(request.endpointType());
        if (request.endpointType() != BROKERS) {
            return CompletableFuture.completedFuture(out.setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
                    .setErrorMessage("only brokers are reachable through the Kafka protocol"));
        }
        for (BrokerRegistration broker : new TreeMap<>(metadata.brokers()).values()) {
            if (broker.fenced() && !request.includeFencedBrokers()) {
                continue;
            }
            for (Endpoint endpoint : broker.endpoints()) {
                if (endpoint.name().equals(listener)) {
                    out.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker().setBrokerId(broker.brokerId())
                            .setHost(endpoint.host()).setPort(endpoint.port()).setRack(broker.rack())
                            .setIsFenced(broker.fenced()));
                }
            }
        }
        return CompletableFuture.completedFuture(out);
    }
}
