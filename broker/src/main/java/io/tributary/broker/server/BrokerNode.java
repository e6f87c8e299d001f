package io.tributary.broker.server;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.tributary.broker.coordinator.GroupCoordinatorRuntime;
import io.tributary.broker.coordinator.TopicDeletions;
import io.tributary.broker.kafka.KafkaApis;
import io.tributary.broker.kafka.KafkaListener;
import io.tributary.broker.coordinator.GroupLag;
import io.tributary.broker.coordinator.ImageTopics;
import io.tributary.broker.coordinator.OffsetsTopic;
import io.tributary.broker.delayed.DelayedOperations;
import io.tributary.broker.group.assignor.Assignors;
import io.tributary.broker.config.NodeConfig;
import io.tributary.broker.lifecycle.BrokerLifecycle;
import io.tributary.broker.lifecycle.ControllerHeartbeats;
import io.tributary.broker.log.LogCleaner;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.broker.metrics.MetricsHttpServer;
import io.tributary.broker.partition.LogVerifier;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.broker.replica.BrokerChannels;
import io.tributary.broker.replica.IsrChangeSender;
import io.tributary.broker.replica.ReplicaFetcherManager;
import io.tributary.proto.TopicPartition;
import io.tributary.metadata.MetadataQuorum;
import io.tributary.metadata.QuorumConfig;
import io.tributary.metadata.QuorumPeer;
import io.tributary.metadata.TopicImage;
import io.tributary.metadata.UnusedPorts;
import io.tributary.proto.metadata.v1.BrokerEndpoint;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.RegisterBrokerRecord;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.replication.FollowerLagLimits;
import io.tributary.replication.Replica;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Tributary node: combined controller (a Ratis metadata voter) and broker (partition logs and
 * the client API). Starts its parts in dependency order and stops them in reverse.
 */
public final class BrokerNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerNode.class);
    private static final int MAX_INBOUND_MESSAGE_BYTES = 100 * 1024 * 1024;
    /** Event-loop threads of the Kafka listener: its handlers never block, and the machine has 2 cores. */
    private static final int KAFKA_IO_THREADS = 2;
    private static final long SNAPSHOT_THRESHOLD_ENTRIES = 10_000;
    private static final long STARTUP_STEP_REPORT_SECONDS = 30;
    private static final long STARTUP_RETRY_BACKOFF_MS = 1_000;
    private static final long CONTROLLED_SHUTDOWN_TIMEOUT_SECONDS = 5;
    private static final int MAX_REGISTRATION_ATTEMPTS = 20;
    /** How often led partitions are checked for followers to drop from or add to the ISR. */
    private static final long ISR_CHECK_INTERVAL_MS = 250;
    /** How often replicas' high watermarks are written to the index (Kafka: 5 s). */
    private static final long HIGH_WATERMARK_CHECKPOINT_MS = 1_000;
    /** How often the log verifier looks for logs hosted with a part not yet checked (after a start, a re-hosting). */
    private static final long LOG_VERIFIER_BACKOFF_MS = 1_000;
    /** How often the group lag metrics are measured (a Fetch per committed partition led elsewhere). */
    private static final long GROUP_LAG_INTERVAL_MS = 5_000;

    private final NodeConfig config;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private FileChannel lockChannel;
    private BrokerMetrics metrics;
    private LogManager logManager;
    private MetadataQuorum quorum;
    private PartitionManager partitions;
    private GroupCoordinatorRuntime groupCoordinator;
    private final ServingGate serving = new ServingGate();
    private Server grpcServer;
    private Server externalServer; // the external.port listener, if configured
    private KafkaListener kafkaListener; // the kafka.port listener, unless off
    private MetricsHttpServer metricsServer;
    private int controllerPort;
    private volatile BrokerLifecycle lifecycle;
    private final CompletableFuture<String> stoppedByStorageFailure = new CompletableFuture<>();
    /** Its own Ratis server is stopped then, so the leader it knew says nothing: ask the quorum anyway. */
    private volatile boolean storageFailureSeen;

    private BrokerNode(NodeConfig config) {
        this.config = config;
    }

    /** Starts a node and returns once it serves clients and has registered with the quorum. */
    public static BrokerNode start(NodeConfig config) throws IOException {
        BrokerNode node = new BrokerNode(config);
        try {
            node.startParts();
            return node;
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void startParts() throws IOException {
        Path dataDir = config.dataDir();
        Files.createDirectories(dataDir);
        lockDataDir(dataDir);
        metrics = new BrokerMetrics();
        toClose.add(metrics);
        // Closed after the log manager (toClose runs in reverse): its last fsyncs still complete requests.
        ExecutorService completion = Executors.newFixedThreadPool(2, daemonThreads("request-completion"));
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("request-timer"));
        scheduler.setRemoveOnCancelPolicy(true); // answered long polls drop their timers at once
        toClose.add(completion::shutdownNow);
        toClose.add(scheduler::shutdownNow);
        long openStartNanos = System.nanoTime();
        logManager = LogManager.open(dataDir.resolve("logs"), config.checkpoints(), config.maxOpenSegmentFiles());
        toClose.add(logManager);
        log.info("Node {}: opening the partition logs took {} ms", config.nodeId(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openStartNanos));
        metrics.bindFsyncs(logManager.fsyncStats());
        metrics.bindDataDirectory(dataDir);

        controllerPort = config.controllerPort() == 0 ? UnusedPorts.pick(config.host()) : config.controllerPort();
        List<QuorumPeer> peers = config.voters().stream()
                .map(v -> new QuorumPeer(v.id(), v.host(), v.id() == config.nodeId() && config.controllerPort() == 0
                        ? controllerPort : v.port()))
                .toList();
        List<QuorumPeer> listeners = config.listeners().stream()
                .map(l -> new QuorumPeer(l.id(), l.host(), l.id() == config.nodeId() && config.controllerPort() == 0
                        ? controllerPort : l.port()))
                .toList();
        long quorumStartNanos = System.nanoTime();
        quorum = MetadataQuorum.start(new QuorumConfig(config.nodeId(), dataDir, peers, listeners, null,
                SNAPSHOT_THRESHOLD_ENTRIES, config.sessionTimeoutMs(), QuorumConfig.MONOTONIC_CLOCK_MS));
        toClose.add(quorum);
        metrics.bindMetadataQuorum(new QuorumMetricsView(quorum));
        log.info("Node {}: starting the metadata quorum member took {} ms", config.nodeId(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - quorumStartNanos));

        DelayedOperations delayed = logManager.delayedOperations();
        // parked fetches re-read on the completion executor, not on the thread that moved the offset
        Partition.Listener wakeFetches = new Partition.Listener() {
            @Override
            public void highWatermarkAdvanced(TopicPartition tp, long highWatermark) {
                completion.execute(delayed.complete(tp, DelayedOperations.Watch.HIGH_WATERMARK, highWatermark,
                        ErrorCode.NONE));
            }

            @Override
            public void logEndAdvanced(TopicPartition tp, long logEndOffset) {
                completion.execute(delayed.complete(tp, DelayedOperations.Watch.LOG_END, logEndOffset, ErrorCode.NONE));
            }
        };
        BrokerChannels channels = new BrokerChannels(BrokerContext.CLIENT_LISTENER, quorum::image);
        toClose.add(channels);
        ReplicaFetcherManager fetchers = new ReplicaFetcherManager(config.nodeId(), channels, logManager);
        toClose.add(fetchers); // stops before the logs close
        // Role changes reach the fetchers and the group coordinator (added below, before any role is applied).
        List<PartitionManager.RoleListener> roleListeners = new java.util.concurrent.CopyOnWriteArrayList<>(List.of(fetchers));
        partitions = new PartitionManager(config.nodeId(), logManager, metrics,
                // a follower silent for a session is gone, but never sooner than two of its long polls
                new FollowerLagLimits(config.replicaLagTimeMaxMs(),
                        Math.max(config.sessionTimeoutMs(), 2L * ReplicaFetcherManager.FETCH_MAX_WAIT_MS)),
                () -> System.nanoTime() / 1_000_000L, wakeFetches, new PartitionManager.RoleListener() {
                    @Override
                    public void onRoleChange(Partition partition, Replica.RoleChange change) {
                        roleListeners.forEach(l -> l.onRoleChange(partition, change));
                    }

                    @Override
                    public void onRemoved(Partition partition) {
                        roleListeners.forEach(l -> l.onRemoved(partition));
                    }
                });
        BrokerContext context = new BrokerContext(config.nodeId(), config.defaultReplicationFactor(), quorum, partitions,
                logManager, metrics, completion, scheduler, serving, BrokerContext.CLIENT_LISTENER);
        // The group coordinator: one thread holds every group this node coordinates.
        groupCoordinator = new GroupCoordinatorRuntime(config.nodeId(), config.groups().groupConfig(), Assignors.standard(),
                new PartitionOffsetsLog(context, BrokerContext.DEFAULT_TIMEOUT_MS), new ImageTopics(quorum::image),
                () -> quorum.image().topic(OffsetsTopic.NAME).map(TopicImage::numPartitions).orElse(-1),
                () -> System.nanoTime() / 1_000_000L, System::currentTimeMillis,
                config.groups().offsetsRetentionCheckIntervalMs(), serving::isOpen,
                Executors.newSingleThreadScheduledExecutor(daemonThreads("group-coordinator")));
        toClose.add(groupCoordinator);
        roleListeners.add(groupCoordinator);
        quorum.addListener(new TopicDeletions(groupCoordinator::onTopicsDeleted));
        // Group lag as metrics (records and seconds per group and partition), measured every few seconds.
        GroupLag groupLag = new GroupLag(groupCoordinator, new LeaderPartitionProgress(context, channels),
                System::currentTimeMillis, metrics.registry());
        ScheduledFuture<?> lagRefresh = scheduler.scheduleWithFixedDelay(groupLag::refresh, GROUP_LAG_INTERVAL_MS,
                GROUP_LAG_INTERVAL_MS, TimeUnit.MILLISECONDS);
        toClose.add(() -> lagRefresh.cancel(false));
        quorum.addListener(partitions::onMetadataUpdate);
        // A restarted voter replays its log through partial images; storage follows only a complete one.
        awaitQuorumStep("metadata catch-up", quorum::awaitCaughtUp);
        long hostStartNanos = System.nanoTime();
        partitions.start(quorum.image(), quorum.lostItsLog());
        quorum.lostLogRecorded(); // the replicas it lost are marked durably: no later start needs to know
        log.info("Node {}: hosting its replicas took {} ms", config.nodeId(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - hostStartNanos));
        // Its own thread: a checkpoint is a synced write, and the request timers (long polls, the
        // ISR checks) must not wait behind the disk.
        ScheduledExecutorService checkpointer = Executors.newSingleThreadScheduledExecutor(
                daemonThreads("log-maintenance"));
        toClose.add(() -> { // never interrupted: a checkpoint in progress finishes its write
            checkpointer.shutdown();
            checkpointer.awaitTermination(5, TimeUnit.SECONDS);
        });
        ScheduledFuture<?> checkpoints = checkpointer.scheduleWithFixedDelay(partitions::checkpointHighWatermarks,
                HIGH_WATERMARK_CHECKPOINT_MS, HIGH_WATERMARK_CHECKPOINT_MS, TimeUnit.MILLISECONDS);
        toClose.add(() -> { // before the logs close (toClose runs in reverse): a clean stop keeps the latest
            checkpoints.cancel(false);
            partitions.checkpointHighWatermarks();
        });
        // ... and stores replica state snapshots, so that a restart scans only the logs' tails.
        ScheduledFuture<?> snapshots = checkpointer.scheduleWithFixedDelay(() -> partitions.snapshotReplicaStates(false),
                HIGH_WATERMARK_CHECKPOINT_MS, HIGH_WATERMARK_CHECKPOINT_MS, TimeUnit.MILLISECONDS);
        toClose.add(() -> { // before the logs close: a clean stop snapshots every log that moved
            snapshots.cancel(false);
            partitions.snapshotReplicaStates(true);
        });
        // The same thread deletes what retention no longer keeps (file deletes and a synced write each).
        ScheduledFuture<?> retention = checkpointer.scheduleWithFixedDelay(() -> partitions.enforceRetention(System.currentTimeMillis()),
                config.retentionCheckIntervalMs(), config.retentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
        toClose.add(() -> retention.cancel(false));
        // Compaction on a thread of its own: a pass rewrites whole segments and must not hold up
        // high watermark checkpoints or retention.
        ScheduledExecutorService cleanerThread = Executors.newSingleThreadScheduledExecutor(daemonThreads("log-cleaner"));
        LogCleaner cleaner = new LogCleaner(config.cleaner().dedupeBufferBytes(), config.cleaner().ioMaxBytesPerSecond());
        ScheduledFuture<?> compaction = cleanerThread.scheduleWithFixedDelay(() -> {
            try {
                partitions.compactLogs(cleaner, System.currentTimeMillis());
            } catch (InterruptedException e) {
                log.info("Log cleaner stopped: {}", e.getMessage());
            }
        }, config.cleaner().backoffMs(), config.cleaner().backoffMs(), TimeUnit.MILLISECONDS);
        toClose.add(() -> { // before the logs close: a pass in progress ends at its next batch
            compaction.cancel(false);
            cleaner.stop();
            cleanerThread.shutdown();
            cleanerThread.awaitTermination(5, TimeUnit.SECONDS);
        });
        // What recovery took from snapshots is read and checked in the background, on a thread of its own.
        ScheduledExecutorService verifierThread = Executors.newSingleThreadScheduledExecutor(daemonThreads("log-verifier"));
        LogVerifier verifier = new LogVerifier(config.verifierIoMaxBytesPerSecond());
        ScheduledFuture<?> verification = verifierThread.scheduleWithFixedDelay(() -> {
            int verified = verifier.verifyAll(partitions);
            if (verified > 0) {
                log.info("Node {}: the log verifier checked {} log(s) below their state snapshots", config.nodeId(), verified);
            }
        }, 0, LOG_VERIFIER_BACKOFF_MS, TimeUnit.MILLISECONDS);
        toClose.add(() -> { // before the logs close: a pass in progress ends at its next read
            verification.cancel(false);
            verifier.stop();
            verifierThread.shutdown();
            verifierThread.awaitTermination(5, TimeUnit.SECONDS);
        });
        // The standard gRPC health check (container health checks, load balancers) says SERVING only
        // once this node serves clients (below), and NOT_SERVING from the start of a shutdown.
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, HealthCheckResponse.ServingStatus.NOT_SERVING);
        ClientAddress clientAddress = new ClientAddress(); // group members' client host
        grpcServer = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.clientPort()))
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                // Handlers never block (their waits are futures, and the metadata quorum's client
                // refuses rather than blocks when no leader answers), so they run on the
                // connection's event loop: no hand-off per call, and one connection's requests
                // reach a partition in the order they were sent.
                .directExecutor()
                .addService(io.grpc.ServerInterceptors.intercept(new TributaryGrpcService(context,
                        () -> lifecycle == null ? -1 : lifecycle.brokerEpoch(), groupCoordinator, config.groups()).definition(),
                        clientAddress))
                .addService(new ControllerGrpcService(context))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .build()
                .start();
        toClose.add(this::stopGrpc);
        toClose.add(health::enterTerminalState); // closed first (toClose runs in reverse)
        if (config.external() != null) {
            externalServer = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.external().port()))
                    .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                    .directExecutor()
                    .addService(io.grpc.ServerInterceptors.intercept(new TributaryGrpcService(
                            context.onListener(BrokerContext.EXTERNAL_LISTENER), () -> lifecycle == null ? -1
                            : lifecycle.brokerEpoch(), groupCoordinator, config.groups()).definition(), clientAddress))
                    .addService(health.getHealthService())
                    .build()
                    .start();
            toClose.add(() -> stopServer(externalServer));
        }
        if (config.kafka().enabled() && config.brokerRole()) {
            // Kafka's clients on their own port: gRPC's Netty server owns its pipeline, so telling a
            // Kafka frame from HTTP/2 on one port would need a relay hop per message (docs/kafka-protocol.md)
            TributaryGrpcService kafkaApi = new TributaryGrpcService(context.onListener(BrokerContext.KAFKA_LISTENER),
                    () -> lifecycle == null ? -1 : lifecycle.brokerEpoch(), groupCoordinator, config.groups());
            kafkaListener = KafkaListener.start(config.host(), config.kafka().port(), MAX_INBOUND_MESSAGE_BYTES,
                    KAFKA_IO_THREADS, new KafkaApis(kafkaApi, groupCoordinator, quorum::image, config.nodeId(),
                            BrokerContext.KAFKA_LISTENER,
                            config.kafka()));
            toClose.add(kafkaListener);
        }

        if (config.brokerRole()) {
            long brokerEpoch = registerBroker(grpcServer.getPort());
            partitions.onRegistered(brokerEpoch, quorum.image());
            // Its own thread: a heartbeat that waits behind other work past the session gets this
            // broker fenced while it is healthy.
            ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(
                    daemonThreads("broker-heartbeat"));
            toClose.add(heartbeats::shutdownNow);
            lifecycle = new BrokerLifecycle(config.nodeId(), brokerEpoch, quorum,
                    new ControllerHeartbeats(quorum, channels::channel), heartbeats, config.heartbeatIntervalMs(),
                    config.sessionTimeoutMs());
            lifecycle.start();
            toClose.add(lifecycle);
            // Serve only once the controller counts this broker alive: leaders are chosen among unfenced brokers.
            BrokerLifecycle registered = lifecycle;
            awaitQuorumStep("unfencing by the active controller", registered::unfenced);
            IsrChangeSender isrChanges = new IsrChangeSender(config.nodeId(), lifecycle::brokerEpoch,
                    () -> partitions.partitions().values(), quorum::submit, scheduler, ISR_CHECK_INTERVAL_MS);
            isrChanges.start();
            toClose.add(isrChanges);
        }
        BrokerLifecycle leaseHolder = lifecycle;
        serving.open(leaseHolder == null ? () -> true : leaseHolder::hasLease);
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, HealthCheckResponse.ServingStatus.SERVING);
        if (config.metricsPort() >= 0) {
            metricsServer = new MetricsHttpServer(config.host(), config.metricsPort(), metrics);
            toClose.add(metricsServer);
        }
        logManager.storageFailure().thenAccept(this::stopOnStorageFailure);
        log.info("Node {} serving clients on {}:{} (controller port {}, metrics port {}), data in {}",
                config.nodeId(), config.host(), clientPort(), controllerPort, metricsPort(), dataDir.toAbsolutePath());
    }

    /**
     * Waits for a start-up step that needs the metadata quorum for as long as the quorum is out of
     * reach (a node restarted into a network partition must join once it heals, not exit), saying so
     * every {@value #STARTUP_STEP_REPORT_SECONDS} s; a failed attempt is tried again after a pause.
     */
    private <T> T awaitQuorumStep(String step, Supplier<CompletableFuture<T>> attempt) throws IOException {
        long startNanos = System.nanoTime();
        long lastReportNanos = startNanos - TimeUnit.SECONDS.toNanos(STARTUP_STEP_REPORT_SECONDS);
        CompletableFuture<T> current = attempt.get();
        while (true) {
            Throwable failure;
            try {
                T result = current.get(STARTUP_STEP_REPORT_SECONDS, TimeUnit.SECONDS);
                // where a restart's time goes (issue 9 measures how soon a restarted node serves)
                log.info("Node {}: {} took {} ms", config.nodeId(), step,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
                return result;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + step, e);
            } catch (java.util.concurrent.TimeoutException e) {
                failure = null;
            } catch (java.util.concurrent.ExecutionException e) {
                failure = e.getCause();
            }
            long now = System.nanoTime();
            if (now - lastReportNanos >= TimeUnit.SECONDS.toNanos(STARTUP_STEP_REPORT_SECONDS)) {
                log.warn("Node {} still waits for {} after {} s{}: is the metadata quorum reachable? It keeps trying",
                        config.nodeId(), step, TimeUnit.NANOSECONDS.toSeconds(now - startNanos),
                        failure == null ? "" : " (last attempt: " + failure + ")");
                lastReportNanos = now;
            }
            if (failure != null) {
                try {
                    Thread.sleep(STARTUP_RETRY_BACKOFF_MS); // a back-off between attempts, not a wait for an event
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for " + step, interrupted);
                }
                current = attempt.get();
            }
        }
    }

    private long registerBroker(int clientPort) throws IOException {
        RegisterBrokerRecord.Builder registration = RegisterBrokerRecord.newBuilder().setBrokerId(config.nodeId())
                .setIncarnationId(UUID.randomUUID().toString())
                .addEndpoints(BrokerEndpoint.newBuilder().setName(BrokerContext.CLIENT_LISTENER)
                        .setHost(config.advertisedHost())
                        .setPort(config.advertisedClientPort() == 0 ? clientPort : config.advertisedClientPort()));
        if (externalServer != null) {
            NodeConfig.ExternalListener external = config.external();
            registration.addEndpoints(BrokerEndpoint.newBuilder().setName(BrokerContext.EXTERNAL_LISTENER)
                    .setHost(external.advertisedHost())
                    .setPort(external.advertisedPort() == 0 ? externalServer.getPort() : external.advertisedPort()));
        }
        if (kafkaListener != null) {
            NodeConfig.KafkaListener kafka = config.kafka();
            registration.addEndpoints(BrokerEndpoint.newBuilder().setName(BrokerContext.KAFKA_LISTENER)
                    .setHost(kafka.advertisedHost())
                    .setPort(kafka.advertisedPort() == 0 ? kafkaListener.port() : kafka.advertisedPort()));
        }
        MetadataCommand command = MetadataCommand.newBuilder().setRegisterBroker(registration).build();
        MetadataCommandResult result;
        int attempts = 0;
        do {
            // A re-registration moves this broker's leaderships away; it is decided on the controller's
            // image and refused at apply if a partition changed meanwhile (an ISR change, say): decide again.
            result = awaitQuorumStep("registration with the metadata quorum", () -> quorum.submit(command));
        } while (result.getErrorCode() == ErrorCode.INVALID_UPDATE_VERSION_VALUE && ++attempts < MAX_REGISTRATION_ATTEMPTS);
        if (result.getErrorCode() != ErrorCode.NONE_VALUE) {
            throw new IOException("metadata quorum refused the registration of node " + config.nodeId() + ": "
                    + result.getErrorMessage());
        }
        return result.getBrokerEpoch();
    }

    private void lockDataDir(Path dataDir) throws IOException {
        lockChannel = FileChannel.open(dataDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockChannel.tryLock();
        if (lock == null) {
            lockChannel.close();
            throw new IOException("data dir " + dataDir.toAbsolutePath() + " is in use by another Tributary process");
        }
        toClose.add(lockChannel);
    }

    private void stopGrpc() throws InterruptedException {
        stopServer(grpcServer);
    }

    private static void stopServer(Server server) throws InterruptedException {
        server.shutdown();
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    public int nodeId() {
        return config.nodeId();
    }

    public String host() {
        return config.host();
    }

    /** The external listener's bound port, or -1 when there is none. */
    /** The Kafka-protocol listener's bound port, -1 when it is off. */
    public int kafkaPort() {
        return kafkaListener == null ? -1 : kafkaListener.port();
    }

    public int externalPort() {
        return externalServer == null ? -1 : externalServer.getPort();
    }

    public int clientPort() {
        return grpcServer.getPort();
    }

    public String bootstrapAddress() {
        return config.host() + ":" + clientPort();
    }

    public int controllerPort() {
        return controllerPort;
    }

    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    public MetadataQuorum quorum() {
        return quorum;
    }

    public PartitionManager partitions() {
        return partitions;
    }

    public void awaitTermination() throws InterruptedException {
        grpcServer.awaitTermination();
    }

    /**
     * Completes once this node stopped itself because its log directory failed (the reason): a
     * failed write, fsync or truncation. It stops as a clean shutdown does, so the active controller
     * moves its leaderships to other replicas first, rather than leading partitions it can no longer
     * write (Kafka halts a broker whose only log directory failed).
     */
    public CompletableFuture<String> storageFailure() {
        return stoppedByStorageFailure;
    }

    private void stopOnStorageFailure(String reason) {
        // not on the thread that met the failure (the flusher, a handler): close() waits for them
        Thread stopper = new Thread(() -> {
            storageFailureSeen = true;
            log.error("Node {} stops: its log directory failed ({}); its leaderships move to other replicas",
                    config.nodeId(), reason);
            quorum.stopServer(); // first: no more votes or metadata written to the failing disk
            close();
            stoppedByStorageFailure.complete(reason);
        }, "storage-failure-stop");
        stopper.setDaemon(true);
        stopper.start();
    }

    /**
     * Stops cleanly: first asks the active controller to move this broker's leaderships away
     * (controlled shutdown), then stops serving, flushes and closes the logs, leaves the quorum.
     * Safe to call twice.
     */
    @Override
    public synchronized void close() {
        boolean quorumReachable = quorum != null && (quorum.leaderId().isPresent() || storageFailureSeen);
        if (lifecycle != null && !toClose.isEmpty() && quorumReachable) {
            try {
                lifecycle.controlledShutdown().get(CONTROLLED_SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.warn("Controlled shutdown of node {} did not complete ({}); stopping anyway", config.nodeId(),
                        e.toString());
            }
        }
        stopParts();
    }

    /**
     * Stops at once without a controlled shutdown: its leaderships are not handed over first. For a
     * whole cluster going away together (embedded test clusters), where hand-overs only wait for
     * peers that are stopping too.
     */
    public synchronized void closeWithoutHandOver() {
        stopParts();
    }

    private void stopParts() {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                log.warn("Error while stopping node {}: {}", config.nodeId(), e.toString());
            }
        }
        toClose.clear();
    }
}
