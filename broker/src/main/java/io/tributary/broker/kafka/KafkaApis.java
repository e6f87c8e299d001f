package io.tributary.broker.kafka;

import io.grpc.StatusRuntimeException;
import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.coordinator.GroupCoordinatorRuntime;
import io.tributary.broker.server.TributaryGrpcService;
import io.tributary.metadata.MetadataImage;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.LeaderNotAvailableException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka APIs this listener serves, each translated into the API's own request and its answer
 * back. An API not listed here is absent from ApiVersions, so clients do not send it; one sent
 * anyway closes the connection. A failure without a protocol answer of its own becomes the
 * request's error response (Kafka's {@code getErrorResponse}).
 */
public final class KafkaApis {
    private static final Logger log = LoggerFactory.getLogger(KafkaApis.class);
    static final Set<ApiKeys> SERVED = EnumSet.of(ApiKeys.API_VERSIONS, ApiKeys.METADATA, ApiKeys.PRODUCE, ApiKeys.FETCH,
            ApiKeys.LIST_OFFSETS, ApiKeys.INIT_PRODUCER_ID, ApiKeys.FIND_COORDINATOR, ApiKeys.CREATE_TOPICS,
            ApiKeys.DELETE_TOPICS, ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.CONSUMER_GROUP_HEARTBEAT,
            ApiKeys.LIST_GROUPS, ApiKeys.DELETE_GROUPS, ApiKeys.DESCRIBE_CLUSTER, ApiKeys.OFFSET_FOR_LEADER_EPOCH,
            ApiKeys.DELETE_RECORDS, ApiKeys.DESCRIBE_CONFIGS, ApiKeys.ALTER_CONFIGS, ApiKeys.INCREMENTAL_ALTER_CONFIGS,
            ApiKeys.CONSUMER_GROUP_DESCRIBE, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP,
            ApiKeys.DESCRIBE_GROUPS, ApiKeys.OFFSET_DELETE, ApiKeys.CREATE_PARTITIONS);

    /** Kafka's max.incremental.fetch.session.cache.slots and min.incremental.fetch.session.eviction.ms. */
    private static final int MAX_FETCH_SESSIONS = 1000;
    private static final long FETCH_SESSION_EVICTION_MS = 120_000;

    private final ProduceApi produce;
    private final FetchApi fetch;
    private final MetadataApi metadata;
    private final ListOffsetsApi listOffsets;
    private final ProducerIdApi producerIds;
    private final FindCoordinatorApi findCoordinator;
    private final TopicsApi topics;
    private final GroupOffsetsApi groupOffsets;
    private final ConsumerGroupHeartbeatApi heartbeats;
    private final GroupAdminApi groupAdmin;
    private final DescribeClusterApi describeCluster;
    private final PartitionsApi partitions;
    private final ConfigsApi configs;
    private final ClassicGroupApi classicGroups;
    private final OffsetDeleteApi offsetDelete;

    /**
     * @param api      the API's handlers, bound to the Kafka listener (their answers name Kafka endpoints)
     * @param listener the name the brokers register their Kafka endpoints under
     * @param settings the listener's settings (topic auto-creation)
     */
    public KafkaApis(TributaryGrpcService api, GroupCoordinatorRuntime coordinator, Supplier<MetadataImage> image,
                     int nodeId, String listener, NodeConfig.KafkaListener settings) {
        this.produce = new ProduceApi(api, image);
        this.fetch = new FetchApi(api, image, new FetchSessions(MAX_FETCH_SESSIONS, FETCH_SESSION_EVICTION_MS,
                () -> System.nanoTime() / 1_000_000L, new java.util.Random()));
        this.metadata = new MetadataApi(api, image, nodeId, settings.autoCreateTopics(), settings.autoCreatePartitions());
        this.listOffsets = new ListOffsetsApi(api);
        this.producerIds = new ProducerIdApi(api);
        this.findCoordinator = new FindCoordinatorApi(api);
        this.topics = new TopicsApi(api, image, settings.autoCreatePartitions());
        this.groupOffsets = new GroupOffsetsApi(api, image);
        this.heartbeats = new ConsumerGroupHeartbeatApi(coordinator, image);
        this.groupAdmin = new GroupAdminApi(api, image);
        this.describeCluster = new DescribeClusterApi(image, nodeId, listener);
        this.partitions = new PartitionsApi(api);
        this.configs = new ConfigsApi(api, image);
        this.classicGroups = new ClassicGroupApi(coordinator);
        this.offsetDelete = new OffsetDeleteApi(coordinator);
    }

    /**
     * Handles one request. The future holds the response frame, or nothing for a request Kafka
     * does not answer (acks=0 produce); it fails only when the connection must be closed.
     */
    CompletableFuture<Optional<ByteBuffer>> handle(KafkaCodec.Request request, String clientHost) {
        ApiKeys key = request.apiKey();
        if (!SERVED.contains(key)) {
            return CompletableFuture.failedFuture(new UnsupportedApiException(key + " is not served by this listener"));
        }
        short version = request.version();
        ApiMessage body = request.body().data();
        CompletableFuture<? extends ApiMessage> response;
        try {
            response = switch (key) {
                case API_VERSIONS -> CompletableFuture.completedFuture(apiVersions(Errors.NONE));
                case METADATA -> metadata.handle((MetadataRequestData) body, version);
                case PRODUCE -> produce.handle((ProduceRequestData) body, version);
                case FETCH -> fetch.handle((FetchRequestData) body, version);
                case LIST_OFFSETS -> listOffsets.handle((ListOffsetsRequestData) body, version);
                case INIT_PRODUCER_ID -> producerIds.handle((InitProducerIdRequestData) body);
                case FIND_COORDINATOR -> findCoordinator.handle((FindCoordinatorRequestData) body, version);
                case CREATE_TOPICS -> topics.create((CreateTopicsRequestData) body);
                case DELETE_TOPICS -> topics.delete((DeleteTopicsRequestData) body);
                case OFFSET_COMMIT -> groupOffsets.commit((OffsetCommitRequestData) body, version);
                case OFFSET_FETCH -> groupOffsets.fetch((OffsetFetchRequestData) body, version);
                case CONSUMER_GROUP_HEARTBEAT -> heartbeats.handle((ConsumerGroupHeartbeatRequestData) body,
                        request.header().clientId(), clientHost);
                case LIST_GROUPS -> groupAdmin.list((ListGroupsRequestData) body);
                case DELETE_GROUPS -> groupAdmin.delete((DeleteGroupsRequestData) body);
                case CONSUMER_GROUP_DESCRIBE -> groupAdmin.describe((ConsumerGroupDescribeRequestData) body);
                case DESCRIBE_CLUSTER -> describeCluster.handle((DescribeClusterRequestData) body);
                case OFFSET_FOR_LEADER_EPOCH -> partitions.offsetsForLeaderEpoch((OffsetForLeaderEpochRequestData) body);
                case DELETE_RECORDS -> partitions.deleteRecords((DeleteRecordsRequestData) body);
                case DESCRIBE_CONFIGS -> configs.describe((DescribeConfigsRequestData) body);
                case ALTER_CONFIGS -> configs.alter((AlterConfigsRequestData) body);
                case INCREMENTAL_ALTER_CONFIGS -> configs.incrementalAlter((IncrementalAlterConfigsRequestData) body);
                case JOIN_GROUP -> classicGroups.join((JoinGroupRequestData) body, version, request.header().clientId(),
                        clientHost);
                case SYNC_GROUP -> classicGroups.sync((SyncGroupRequestData) body, version);
                case HEARTBEAT -> classicGroups.heartbeat((HeartbeatRequestData) body);
                case LEAVE_GROUP -> classicGroups.leave((LeaveGroupRequestData) body, version);
                case DESCRIBE_GROUPS -> classicGroups.describe((DescribeGroupsRequestData) body, version);
                case OFFSET_DELETE -> offsetDelete.handle((OffsetDeleteRequestData) body);
                case CREATE_PARTITIONS -> topics.createPartitions((CreatePartitionsRequestData) body);
                default -> throw new IllegalStateException("no handler for " + key);
            };
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        boolean answered = key != ApiKeys.PRODUCE || ((ProduceRequestData) body).acks() != 0;
        return response.handle((ok, failure) -> {
            if (failure != null && !answered) {
                // acks=0 has no answer to carry an error: closing the connection makes the producer
                // refresh its metadata, as Kafka does
                throw new CompletionException(failure);
            }
            if (!answered) {
                return Optional.empty();
            }
            ApiMessage message = failure == null ? ok : errorResponse(request, failure);
            return Optional.of(KafkaCodec.serialize(request.header().toResponseHeader(), message, version));
        });
    }

    private static ApiMessage errorResponse(KafkaCodec.Request request, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof StatusRuntimeException status) {
            cause = new LeaderNotAvailableException("the node cannot answer now: " + status.getStatus());
        } else if (!(cause instanceof org.apache.kafka.common.errors.ApiException)) {
            log.warn("Kafka {} v{} failed", request.apiKey(), request.version(), cause);
            cause = new UnknownServerException(cause.toString());
        }
        return request.body().getErrorResponse(0, cause).data();
    }

    /** Every served API at every version Kafka's current clients speak (KIP-896 dropped the oldest). */
    static ApiVersionsResponseData apiVersions(Errors error) {
        ApiVersionsResponseData out = new ApiVersionsResponseData().setErrorCode(error.code());
        for (ApiKeys key : SERVED) {
            key.toApiVersion(false).ifPresent(v -> out.apiKeys().add(v.duplicate()));
        }
        return out;
    }

    /** The answer to an ApiVersions request newer than ours: v0, UNSUPPORTED_VERSION, and our versions. */
    ByteBuffer unsupportedApiVersions(RequestHeader header) {
        return KafkaCodec.serialize(new ResponseHeader(header.correlationId(), (short) 0),
                apiVersions(Errors.UNSUPPORTED_VERSION), (short) 0);
    }

    /** A request for an API this listener does not serve: the connection is closed. */
    static final class UnsupportedApiException extends RuntimeException {
        UnsupportedApiException(String message) {
            super(message);
        }
    }
}
