package io.tributary.client;

import io.tributary.client.internal.BrokerAddress;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.Cluster;
import io.tributary.client.internal.GroupChannel;
import io.tributary.client.internal.MetadataManager;
import io.tributary.client.internal.Rpc;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.AlterConfigsRequest;
import io.tributary.proto.v1.AlterConfigsResponse;
import io.tributary.proto.v1.CreatePartitionsRequest;
import io.tributary.proto.v1.CreatePartitionsResponse;
import io.tributary.proto.v1.CreateTopicsRequest;
import io.tributary.proto.v1.DeleteRecordsPartition;
import io.tributary.proto.v1.DeleteRecordsPartitionResponse;
import io.tributary.proto.v1.DeleteRecordsRequest;
import io.tributary.proto.v1.DeleteRecordsResponse;
import io.tributary.proto.v1.DeleteRecordsTopic;
import io.tributary.proto.v1.DeleteRecordsTopicResponse;
import io.tributary.proto.v1.DescribeClusterRequest;
import io.tributary.proto.v1.DescribeClusterResponse;
import io.tributary.proto.v1.ElectLeadersRequest;
import io.tributary.proto.v1.ElectLeadersResponse;
import io.tributary.proto.v1.CreateTopicsResponse;
import io.tributary.proto.v1.DeleteTopicsRequest;
import io.tributary.proto.v1.DeleteTopicsResponse;
import io.tributary.proto.v1.DescribeTopicsRequest;
import io.tributary.proto.v1.DescribeTopicsResponse;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.proto.v1.ListOffsetsPartition;
import io.tributary.proto.v1.ListOffsetsPartitionResponse;
import io.tributary.proto.v1.ListOffsetsRequest;
import io.tributary.proto.v1.ListOffsetsResponse;
import io.tributary.proto.v1.ListOffsetsTopic;
import io.tributary.proto.v1.ListOffsetsTopicResponse;
import io.tributary.proto.v1.MetadataResponse;
import io.tributary.proto.v1.PartitionCount;
import io.tributary.proto.v1.TopicDescription;
import io.tributary.proto.v1.TopicMetadata;
import io.tributary.proto.v1.DescribedGroup;
import io.tributary.proto.v1.FetchPartition;
import io.tributary.proto.v1.FetchPartitionResponse;
import io.tributary.proto.v1.FetchRequest;
import io.tributary.proto.v1.FetchResponse;
import io.tributary.proto.v1.FetchTopic;
import io.tributary.proto.v1.FetchTopicResponse;
import io.tributary.proto.v1.ListGroupsRequest;
import io.tributary.proto.v1.ListGroupsResponse;
import io.tributary.proto.v1.OffsetCommitPartition;
import io.tributary.proto.v1.OffsetCommitPartitionResponse;
import io.tributary.proto.v1.OffsetCommitRequest;
import io.tributary.proto.v1.OffsetCommitResponse;
import io.tributary.proto.v1.OffsetCommitTopic;
import io.tributary.proto.v1.OffsetCommitTopicResponse;
import io.tributary.proto.v1.OffsetFetchRequest;
import io.tributary.proto.v1.OffsetFetchResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Topic administration and cluster queries. Every call blocks up to the request timeout (30 s by
 * default). Thread-safe.
 *
 * <p>Requests that need the controller (create, delete) go to the controller when metadata names
 * it among the brokers, else to any broker; a NOT_CONTROLLER answer refreshes metadata and retries
 * within the timeout.
 */
public final class Admin implements AutoCloseable {
    /** Special timestamps for {@link #listOffsets}: the log start offset. */
    public static final long EARLIEST = -2L;
    /** Special timestamp for {@link #listOffsets}: the log end offset. */
    public static final long LATEST = -1L;

    private final ChannelPool channels;
    private final MetadataManager metadata;
    private final long timeoutMs;
    private final long retryBackoffMs = 100;
    private final List<BrokerAddress> bootstrap;
    private final Map<String, GroupChannel> groupChannels = new java.util.concurrent.ConcurrentHashMap<>();

    private Admin(List<String> bootstrapServers, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new ConfigException("timeout", timeout, "must be positive");
        }
        this.timeoutMs = timeout.toMillis();
        this.channels = new ChannelPool();
        this.bootstrap = BrokerAddress.parseAll(bootstrapServers);
        this.metadata = new MetadataManager(channels, bootstrap, timeoutMs, retryBackoffMs, null);
    }

    public static Admin create(List<String> bootstrapServers) {
        return new Admin(bootstrapServers, Duration.ofSeconds(30));
    }

    /** An admin client whose calls each block at most {@code timeout}. */
    public static Admin create(List<String> bootstrapServers, Duration timeout) {
        return new Admin(bootstrapServers, timeout);
    }

    /**
     * Creates one topic.
     *
     * @throws TributaryException the typed error the controller answered (e.g. {@link TopicExistsException})
     */
    public TopicResult createTopic(NewTopic topic) {
        return createTopics(List.of(topic)).get(0).orThrow();
    }

    /** Creates topics; per-topic failures are in the results (see {@link TopicResult#exception()}). */
    public List<TopicResult> createTopics(List<NewTopic> topics) {
        CreateTopicsRequest.Builder request = CreateTopicsRequest.newBuilder().setTimeoutMs((int) timeoutMs);
        for (NewTopic topic : topics) {
            request.addTopics(io.tributary.proto.v1.NewTopic.newBuilder()
                    .setName(topic.name())
                    .setNumPartitions(topic.numPartitions())
                    .setReplicationFactor(topic.replicationFactor())
                    .putAllConfigs(topic.configs()));
        }
        CreateTopicsRequest built = request.build();
        CreateTopicsResponse response = callController("CreateTopics",
                node -> Rpc.call(o -> stub(node).createTopics(built, o)),
                r -> r.getTopicsList().stream().anyMatch(t -> t.getErrorCode() == ErrorCode.NOT_CONTROLLER));
        return toResults(response.getTopicsList());
    }

    /** Deletes topics; per-topic failures are in the results. */
    public List<TopicResult> deleteTopics(List<String> names) {
        DeleteTopicsRequest built = DeleteTopicsRequest.newBuilder().addAllNames(names).setTimeoutMs((int) timeoutMs)
                .build();
        DeleteTopicsResponse response = callController("DeleteTopics",
                node -> Rpc.call(o -> stub(node).deleteTopics(built, o)),
                r -> r.getTopicsList().stream().anyMatch(t -> t.getErrorCode() == ErrorCode.NOT_CONTROLLER));
        return toResults(response.getTopicsList());
    }

    /**
     * Grows a topic to {@code totalCount} partitions (a count never shrinks).
     *
     * @throws TributaryException the typed error the controller answered (e.g. INVALID_PARTITIONS)
     */
    public TopicResult createPartitions(String topic, int totalCount) {
        CreatePartitionsRequest built = CreatePartitionsRequest.newBuilder().setTimeoutMs((int) timeoutMs)
                .addTopics(PartitionCount.newBuilder().setName(topic).setCount(totalCount)).build();
        CreatePartitionsResponse response = callController("CreatePartitions",
                node -> Rpc.call(o -> stub(node).createPartitions(built, o)),
                r -> r.getTopicsList().stream().anyMatch(t -> t.getErrorCode() == ErrorCode.NOT_CONTROLLER));
        return toResults(response.getTopicsList()).get(0).orThrow();
    }

    /**
     * Sets and removes topic configs (removed keys go back to their defaults).
     *
     * @throws TributaryException the typed error the controller answered (e.g. INVALID_CONFIG)
     */
    public void alterConfigs(String topic, Map<String, String> set, List<String> delete) {
        AlterConfigsRequest request = AlterConfigsRequest.newBuilder().setTopic(topic).putAllSet(set)
                .addAllDelete(delete).build();
        AlterConfigsResponse response = callAny("AlterConfigs", node -> Rpc.call(o -> stub(node).alterConfigs(request, o)));
        if (response.getErrorCode() != ErrorCode.NONE) {
            throw TributaryException.forCode(response.getErrorCode(), response.getErrorMessage());
        }
    }

    /**
     * The metadata quorum (voters, active controller, lag) and the brokers' states, asked of the
     * active controller first: only it knows every voter's lag.
     */
    public DescribeClusterResponse describeCluster() {
        DescribeClusterRequest request = DescribeClusterRequest.getDefaultInstance();
        return callController("DescribeCluster", node -> Rpc.call(o -> stub(node).describeCluster(request, o)),
                response -> false);
    }

    /**
     * Moves leadership back to each partition's preferred (first) replica where it is eligible.
     *
     * @return how many partitions changed leader
     */
    public int electPreferredLeaders(List<String> topics) {
        ElectLeadersRequest request = ElectLeadersRequest.newBuilder().addAllTopics(topics).build();
        ElectLeadersResponse response = callAny("ElectLeaders", node -> Rpc.call(o -> stub(node).electLeaders(request, o)));
        if (response.getErrorCode() != ErrorCode.NONE) {
            throw TributaryException.forCode(response.getErrorCode(), response.getErrorMessage());
        }
        return response.getChangedPartitions();
    }

    /** Names of all topics, sorted. */
    public List<String> listTopics() {
        MetadataResponse response = metadata();
        List<String> names = new ArrayList<>();
        for (TopicMetadata topic : response.getTopicsList()) {
            if (topic.getErrorCode() == ErrorCode.NONE) {
                names.add(topic.getName());
            }
        }
        names.sort(null);
        return names;
    }

    /** Full descriptions (configs, offsets, ISR); empty list: all topics. Errors are per topic. */
    public List<TopicDescription> describeTopics(List<String> names) {
        DescribeTopicsRequest request = DescribeTopicsRequest.newBuilder().addAllNames(names).build();
        DescribeTopicsResponse response = callAny("DescribeTopics",
                node -> Rpc.call(o -> stub(node).describeTopics(request, o)));
        return response.getTopicsList();
    }

    /** Cluster metadata for all topics. */
    public MetadataResponse metadata() {
        return Rpc.await(metadata.fetch(List.of()), timeoutMs, "Metadata");
    }

    /** Cluster metadata for these topics. */
    public MetadataResponse metadata(List<String> topics) {
        return Rpc.await(metadata.fetch(topics), timeoutMs, "Metadata");
    }

    /**
     * The offset for a timestamp on the partition's leader: {@link #EARLIEST} (-2) gives the log
     * start, {@link #LATEST} (-1) the log end, {@code >= 0} the first offset with a timestamp at or
     * after it (-1 when none).
     */
    public long listOffsets(TopicPartition tp, long timestamp) {
        ListOffsetsRequest request = ListOffsetsRequest.newBuilder()
                .addTopics(ListOffsetsTopic.newBuilder().setTopic(tp.topic())
                        .addPartitions(ListOffsetsPartition.newBuilder().setPartition(tp.partition())
                                .setTimestamp(timestamp)))
                .build();
        return callLeader(tp, "ListOffsets", node -> Rpc.<ListOffsetsResponse>call(o -> stub(node).listOffsets(request, o)),
                response -> {
                    ListOffsetsPartitionResponse r = find(response.getTopicsList(), tp, ListOffsetsTopicResponse::getTopic,
                            ListOffsetsTopicResponse::getPartitionsList, ListOffsetsPartitionResponse::getPartition);
                    return r == null ? null : new PartitionOutcome(r.getErrorCode(), r.getErrorMessage(), r.getOffset());
                });
    }

    /**
     * Deletes the partition's records below {@code beforeOffset} on its leader (Kafka's
     * DeleteRecords): they are no longer served, and whole segments below it are deleted on every
     * replica. {@link #DELETE_TO_HIGH_WATERMARK} (-1) deletes every record consumers can read.
     *
     * @return the partition's new log start offset (its low watermark)
     * @throws OffsetOutOfRangeException {@code beforeOffset} is beyond the high watermark
     */
    public long deleteRecords(TopicPartition tp, long beforeOffset) {
        DeleteRecordsRequest request = DeleteRecordsRequest.newBuilder()
                .addTopics(DeleteRecordsTopic.newBuilder().setTopic(tp.topic())
                        .addPartitions(DeleteRecordsPartition.newBuilder().setPartition(tp.partition()).setOffset(beforeOffset)))
                .build();
        return callLeader(tp, "DeleteRecords", node -> Rpc.<DeleteRecordsResponse>call(o -> stub(node).deleteRecords(request, o)),
                response -> {
                    DeleteRecordsPartitionResponse r = find(response.getTopicsList(), tp, DeleteRecordsTopicResponse::getTopic,
                            DeleteRecordsTopicResponse::getPartitionsList, DeleteRecordsPartitionResponse::getPartition);
                    return r == null ? null : new PartitionOutcome(r.getErrorCode(), r.getErrorMessage(), r.getLowWatermark());
                });
    }

    /** For {@link #deleteRecords}: every record below the high watermark. */
    public static final long DELETE_TO_HIGH_WATERMARK = -1L;

    /** One partition's answer in a leader request: its error and its value. */
    private record PartitionOutcome(ErrorCode code, String message, long value) {
    }

    /**
     * Sends a one-partition request to the partition's leader, retrying retriable errors and moved
     * leaderships within the timeout; returns the value of a successful answer.
     */
    private <T> long callLeader(TopicPartition tp, String what, Function<BrokerAddress, CompletableFuture<T>> call,
                                Function<T, PartitionOutcome> outcomeOf) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        TributaryException last = null;
        while (true) {
            Cluster cluster = metadata.cluster();
            BrokerAddress leader = cluster.leaderFor(tp.topic(), tp.partition());
            if (leader == null) {
                metadata.addTopics(List.of(tp.topic()));
                metadata.awaitTopic(tp.topic(), remainingMs(deadline));
                leader = metadata.cluster().leaderFor(tp.topic(), tp.partition());
            }
            if (leader != null) {
                PartitionOutcome outcome;
                try {
                    outcome = outcomeOf.apply(Rpc.await(call.apply(leader), remainingMs(deadline), what));
                } catch (NetworkException e) { // the leader we knew is gone: ask for the new one
                    if (!e.isRetriable() || remainingMs(deadline) <= retryBackoffMs) {
                        throw e;
                    }
                    last = e;
                    backoffAndRefresh();
                    continue;
                }
                if (outcome == null) {
                    throw new UnknownTopicOrPartitionException(what + " response has no result for " + tp);
                }
                if (outcome.code() == ErrorCode.NONE) {
                    return outcome.value();
                }
                last = TributaryException.forCode(outcome.code(), tp + ": " + outcome.message());
                if (!last.isRetriable() && !io.tributary.proto.Errors.needsMetadataRefresh(outcome.code())) {
                    throw last;
                }
            }
            if (remainingMs(deadline) <= retryBackoffMs) {
                throw last != null ? last : new LeaderNotAvailableException("no leader known for " + tp);
            }
            backoffAndRefresh();
        }
    }


    // ---------------------------------------------------------------- consumer groups

    /** A group as {@link #listGroups} finds it on its coordinator. */
    public record GroupListing(String groupId, String state, int coordinatorId) {
    }

    /** Every group of the cluster: each broker lists the groups it coordinates. */
    public List<GroupListing> listGroups() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Collection<BrokerAddress> brokers = metadata.cluster().brokers().isEmpty()
                ? Rpc.await(metadata.refresh(), remainingMs(deadline), "Metadata").brokers().values()
                : metadata.cluster().brokers().values();
        Map<String, GroupListing> out = new java.util.TreeMap<>();
        for (BrokerAddress broker : brokers) {
            ListGroupsResponse response = Rpc.await(Rpc.<ListGroupsResponse>call(o -> stub(broker)
                    .listGroups(ListGroupsRequest.getDefaultInstance(), o)), remainingMs(deadline), "ListGroups to " + broker);
            response.getGroupsList().forEach(g -> out.put(g.getGroupId(),
                    new GroupListing(g.getGroupId(), g.getState(), g.getCoordinatorId())));
        }
        return List.copyOf(out.values());
    }

    /**
     * The group's state, members and their assignments, from its coordinator.
     *
     * @throws GroupIdNotFoundException no such group
     */
    public DescribedGroup describeGroup(String groupId) {
        return groupCall(groupId, "DescribeGroups", GroupChannel::describe, r -> r.getGroups(0).getErrorCode(),
                r -> r.getGroups(0).getErrorMessage()).getGroups(0);
    }

    /** The group's committed offsets, every partition it committed. */
    public Map<TopicPartition, OffsetAndMetadata> listGroupOffsets(String groupId) {
        OffsetFetchRequest request = OffsetFetchRequest.newBuilder().setGroupId(groupId).build();
        OffsetFetchResponse response = groupCall(groupId, "OffsetFetch", c -> c.fetchOffsets(request),
                OffsetFetchResponse::getErrorCode, OffsetFetchResponse::getErrorMessage);
        Map<TopicPartition, OffsetAndMetadata> out = new java.util.TreeMap<>();
        response.getTopicsList().forEach(t -> t.getPartitionsList().forEach(p -> {
            if (p.getCommittedOffset() >= 0) {
                out.put(new TopicPartition(t.getTopic(), p.getPartition()),
                        new OffsetAndMetadata(p.getCommittedOffset(), p.getCommittedLeaderEpoch(), p.getMetadata()));
            }
        }));
        return out;
    }

    /**
     * Sets the group's committed offsets (an operator's reset): refused while the group has active
     * members, which own its offsets.
     *
     * @throws NonEmptyGroupException the group has active members; nothing was changed
     */
    public void alterGroupOffsets(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets) {
        OffsetCommitRequest.Builder request = OffsetCommitRequest.newBuilder().setGroupId(groupId).setMemberId("")
                .setMemberEpoch(-1);
        Map<String, OffsetCommitTopic.Builder> topics = new LinkedHashMap<>();
        offsets.forEach((tp, offset) -> topics.computeIfAbsent(tp.topic(), t -> OffsetCommitTopic.newBuilder().setTopic(t))
                .addPartitions(OffsetCommitPartition.newBuilder().setPartition(tp.partition())
                        .setCommittedOffset(offset.offset()).setCommittedLeaderEpoch(offset.leaderEpoch())
                        .setMetadata(offset.metadata())));
        topics.values().forEach(request::addTopics);
        OffsetCommitResponse response = groupCall(groupId, "OffsetCommit", c -> c.commit(request.build()),
                OffsetCommitResponse::getErrorCode, OffsetCommitResponse::getErrorMessage);
        for (OffsetCommitTopicResponse topic : response.getTopicsList()) {
            for (OffsetCommitPartitionResponse p : topic.getPartitionsList()) {
                if (p.getErrorCode() != ErrorCode.NONE) {
                    throw TributaryException.forCode(p.getErrorCode(), topic.getTopic() + "-" + p.getPartition() + ": "
                            + p.getErrorMessage());
                }
            }
        }
    }

    /**
     * Deletes a group with no active members, and its committed offsets.
     *
     * @throws NonEmptyGroupException the group has active members
     * @throws GroupIdNotFoundException no such group
     */
    public void deleteGroup(String groupId) {
        groupCall(groupId, "DeleteGroups", GroupChannel::delete, r -> r.getGroups(0).getErrorCode(),
                r -> r.getGroups(0).getErrorMessage());
    }

    /**
     * The timestamp of the first record at or after {@code offset} below the high watermark, or -1
     * when there is none (the consumer is caught up): what a group's lag in seconds is measured from.
     */
    public long recordTimestamp(TopicPartition tp, long offset) {
        FetchRequest request = FetchRequest.newBuilder().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(64 * 1024)
                .addTopics(FetchTopic.newBuilder().setTopic(tp.topic()).addPartitions(FetchPartition.newBuilder()
                        .setPartition(tp.partition()).setFetchOffset(offset).setPartitionMaxBytes(64 * 1024)
                        .setCurrentLeaderEpoch(-1)))
                .build();
        return callLeader(tp, "Fetch", node -> Rpc.<FetchResponse>call(o -> stub(node).fetch(request, o)), response -> {
            FetchPartitionResponse r = find(response.getTopicsList(), tp, FetchTopicResponse::getTopic,
                    FetchTopicResponse::getPartitionsList, FetchPartitionResponse::getPartition);
            if (r == null || r.getErrorCode() != ErrorCode.NONE) {
                return r == null ? null : new PartitionOutcome(r.getErrorCode(), r.getErrorMessage(), -1);
            }
            for (io.tributary.record.Record record : io.tributary.record.RecordBatches.of(
                    r.getRecords().asReadOnlyByteBuffer().order(java.nio.ByteOrder.BIG_ENDIAN)).records(offset)) {
                return new PartitionOutcome(ErrorCode.NONE, "", record.timestamp());
            }
            return new PartitionOutcome(ErrorCode.NONE, "", -1);
        });
    }

    /** A request to a group's coordinator, retried (finding the coordinator again) within the timeout. */
    private <T> T groupCall(String groupId, String what, Function<GroupChannel, CompletableFuture<T>> call,
                            Function<T, ErrorCode> errorOf, Function<T, String> messageOf) {
        if (groupId == null || groupId.isEmpty()) {
            throw new IllegalArgumentException("a group id must not be empty");
        }
        GroupChannel channel = groupChannels.computeIfAbsent(groupId,
                id -> new GroupChannel(channels, metadata, bootstrap, id, timeoutMs));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            TributaryException failure;
            try {
                T response = Rpc.await(call.apply(channel), remainingMs(deadline), what);
                ErrorCode code = errorOf.apply(response);
                if (code == ErrorCode.NONE) {
                    return response;
                }
                failure = TributaryException.forCode(code, messageOf.apply(response));
            } catch (TributaryException e) {
                failure = e;
            }
            if (!failure.isRetriable() || remainingMs(deadline) <= retryBackoffMs) {
                throw failure;
            }
            try {
                Thread.sleep(retryBackoffMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure;
            }
        }
    }

    @Override
    public void close() {
        channels.close();
    }

    // ---------------------------------------------------------------- plumbing

    private io.tributary.proto.v1.TributaryGrpc.TributaryStub stub(BrokerAddress node) {
        return channels.stub(node).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** The answer for {@code tp} among a response's topics, or null. */
    private static <T, P> P find(List<T> topics, TopicPartition tp, Function<T, String> topicName,
                                 Function<T, List<P>> partitionsOf, java.util.function.ToIntFunction<P> partitionId) {
        for (T topic : topics) {
            if (topicName.apply(topic).equals(tp.topic())) {
                for (P partition : partitionsOf.apply(topic)) {
                    if (partitionId.applyAsInt(partition) == tp.partition()) {
                        return partition;
                    }
                }
            }
        }
        return null;
    }

    private static List<TopicResult> toResults(List<io.tributary.proto.v1.TopicResult> results) {
        List<TopicResult> out = new ArrayList<>(results.size());
        for (io.tributary.proto.v1.TopicResult r : results) {
            out.add(new TopicResult(r.getName(), r.getTopicId(), r.getErrorCode(), r.getErrorMessage()));
        }
        return out;
    }

    /** Sends to the controller (or any broker), retrying on NOT_CONTROLLER and unreachable nodes. */
    private <T> T callController(String what, Function<BrokerAddress, CompletableFuture<T>> call,
                                 java.util.function.Predicate<T> notController) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        TributaryException last = null;
        while (true) {
            Cluster cluster = ensureCluster(deadline);
            List<BrokerAddress> nodes = new ArrayList<>();
            BrokerAddress controller = cluster.brokers().get(cluster.controllerId());
            if (controller != null) {
                nodes.add(controller);
            }
            for (BrokerAddress node : cluster.brokers().values()) {
                if (!node.equals(controller)) {
                    nodes.add(node);
                }
            }
            for (BrokerAddress node : nodes) {
                try {
                    T response = Rpc.await(call.apply(node), remainingMs(deadline), what);
                    if (!notController.test(response)) {
                        return response;
                    }
                    last = TributaryException.forCode(ErrorCode.NOT_CONTROLLER, what + " reached " + node
                            + ", which is not the controller");
                } catch (TributaryException e) {
                    if (e instanceof TimeoutException || !e.isRetriable()) {
                        throw e;
                    }
                    last = e;
                }
            }
            if (remainingMs(deadline) <= retryBackoffMs) {
                throw last != null ? last : new TimeoutException(what + " found no broker", true, null);
            }
            backoffAndRefresh();
        }
    }

    /** Sends to any reachable broker. */
    private <T> T callAny(String what, Function<BrokerAddress, CompletableFuture<T>> call) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Cluster cluster = ensureCluster(deadline);
        TributaryException last = null;
        for (BrokerAddress node : cluster.brokers().values()) {
            try {
                return Rpc.await(call.apply(node), remainingMs(deadline), what);
            } catch (TributaryException e) {
                if (e instanceof TimeoutException) {
                    throw e;
                }
                last = e;
            }
        }
        throw last != null ? last : new NetworkException(what + ": no broker known", true, null);
    }

    private Cluster ensureCluster(long deadline) {
        Cluster cluster = metadata.cluster();
        if (cluster.brokers().isEmpty()) {
            cluster = Rpc.await(metadata.refresh(), remainingMs(deadline), "Metadata");
        }
        return cluster;
    }

    private void backoffAndRefresh() {
        try {
            Thread.sleep(retryBackoffMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkException("interrupted", false, e);
        }
        try {
            metadata.refresh().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // the next attempt reports the failure
        }
    }

    private static long remainingMs(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }
}
