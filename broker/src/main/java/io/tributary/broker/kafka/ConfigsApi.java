package io.tributary.broker.kafka;

import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.TopicImage;
import io.tributary.proto.v1.AlterConfigsRequest;
import io.tributary.proto.v1.AlterConfigsResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics, from and into the
 * metadata (the same keys as Kafka's topic configs, plus {@code flush.policy}). A topic's config
 * is "dynamic" when set on the topic and "default" otherwise. A node's own settings come from its
 * properties file and are not served: a broker resource is refused.
 */
final class ConfigsApi {
    private static final byte TOPIC = 2;
    private static final byte SOURCE_DYNAMIC_TOPIC = 1;
    private static final byte SOURCE_DEFAULT = 5;
    private static final byte OP_SET = 0;
    private static final byte OP_DELETE = 1;

    private final TributaryGrpcService api;
    private final Supplier<MetadataImage> image;

    ConfigsApi(TributaryGrpcService api, Supplier<MetadataImage> image) {
        this.api = api;
        this.image = image;
    }

    CompletableFuture<DescribeConfigsResponseData> describe(DescribeConfigsRequestData request) {
        MetadataImage metadata = image.get();
        DescribeConfigsResponseData out = new DescribeConfigsResponseData();
        for (DescribeConfigsRequestData.DescribeConfigsResource resource : request.resources()) {
            DescribeConfigsResponseData.DescribeConfigsResult result = new DescribeConfigsResponseData.DescribeConfigsResult()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            Optional<TopicImage> topic = resource.resourceType() == TOPIC ? metadata.topic(resource.resourceName()) : Optional.empty();
            if (resource.resourceType() != TOPIC) {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("only topic configs are served; a node's settings are in its properties file");
            } else if (topic.isEmpty()) {
                result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage("unknown topic " + resource.resourceName());
            } else {
                Set<String> keys = resource.configurationKeys() == null ? null : new HashSet<>(resource.configurationKeys());
                for (Map.Entry<String, String> e : topic.get().effectiveConfigs().entrySet()) {
                    if (keys == null || keys.contains(e.getKey())) {
                        boolean set = topic.get().configs().containsKey(e.getKey());
                        result.configs().add(new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                                .setName(e.getKey()).setValue(e.getValue()).setReadOnly(false)
                                .setConfigSource(set ? SOURCE_DYNAMIC_TOPIC : SOURCE_DEFAULT).setIsSensitive(false)
                                .setSynonyms(new ArrayList<>()));
                    }
                }
            }
            out.results().add(result);
        }
        return CompletableFuture.completedFuture(out);
    }

    /** The legacy AlterConfigs: the given configs become the topic's whole explicit set. */
    CompletableFuture<AlterConfigsResponseData> alter(AlterConfigsRequestData request) {
        MetadataImage metadata = image.get();
        List<CompletableFuture<AlterConfigsResponseData.AlterConfigsResourceResponse>> results = new ArrayList<>();
        for (AlterConfigsRequestData.AlterConfigsResource resource : request.resources()) {
            AlterConfigsRequest.Builder out = AlterConfigsRequest.newBuilder().setTopic(resource.resourceName())
                    .setValidateOnly(request.validateOnly());
            Set<String> given = new HashSet<>();
            resource.configs().forEach(c -> {
                given.add(c.name());
                out.putSet(c.name(), c.value() == null ? "" : c.value());
            });
            metadata.topic(resource.resourceName()).ifPresent(t -> t.configs().keySet().stream()
                    .filter(k -> !given.contains(k)).forEach(out::addDelete));
            results.add(call(resource.resourceType(), resource.resourceName(), out.build()).thenApply(r ->
                    new AlterConfigsResponseData.AlterConfigsResourceResponse().setResourceType(resource.resourceType())
                            .setResourceName(resource.resourceName()).setErrorCode(r.errorCode).setErrorMessage(r.message)));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            AlterConfigsResponseData response = new AlterConfigsResponseData();
            results.forEach(r -> response.responses().add(r.join()));
            return response;
        });
    }

    CompletableFuture<IncrementalAlterConfigsResponseData> incrementalAlter(IncrementalAlterConfigsRequestData request) {
        List<CompletableFuture<IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse>> results = new ArrayList<>();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : request.resources()) {
            AlterConfigsRequest.Builder out = AlterConfigsRequest.newBuilder().setTopic(resource.resourceName())
                    .setValidateOnly(request.validateOnly());
            String refused = null;
            for (IncrementalAlterConfigsRequestData.AlterableConfig c : resource.configs()) {
                if (c.configOperation() == OP_SET) {
                    out.putSet(c.name(), c.value() == null ? "" : c.value());
                } else if (c.configOperation() == OP_DELETE) {
                    out.addDelete(c.name());
                } else {
                    refused = "only SET and DELETE are supported, not APPEND or SUBTRACT (" + c.name() + ")";
                }
            }
            CompletableFuture<Outcome> outcome = refused != null
                    ? CompletableFuture.completedFuture(new Outcome(Errors.INVALID_CONFIG.code(), refused))
                    : call(resource.resourceType(), resource.resourceName(), out.build());
            results.add(outcome.thenApply(r -> new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName())
                    .setErrorCode(r.errorCode).setErrorMessage(r.message)));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
            results.forEach(r -> response.responses().add(r.join()));
            return response;
        });
    }

    private record Outcome(short errorCode, String message) {
    }

    private CompletableFuture<Outcome> call(byte resourceType, String name, AlterConfigsRequest request) {
        if (resourceType != TOPIC) {
            return CompletableFuture.completedFuture(new Outcome(Errors.INVALID_REQUEST.code(),
                    "only topic configs can be changed; a node's settings are in its properties file"));
        }
        Answer<AlterConfigsResponse> answer = new Answer<>();
        api.alterConfigs(request, answer);
        return answer.future().thenApply(r -> new Outcome(KafkaErrors.code(r.getErrorCode()),
                r.getErrorMessage().isEmpty() ? null : r.getErrorMessage()));
    }
}
