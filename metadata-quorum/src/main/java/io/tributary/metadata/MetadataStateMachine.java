package io.tributary.metadata;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.proto.metadata.v1.MetadataCommand;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.MetadataRecordBatch;
import io.tributary.proto.metadata.v1.MetadataSnapshot;
import io.tributary.proto.v1.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import io.tributary.proto.v1.ControllerQuery;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the metadata quorum: a thin adapter around the pure
 * {@link MetadataController} and {@link ClusterMetadata}.
 *
 * <table>
 *   <caption>Ratis callbacks</caption>
 *   <tr><th>callback</th><th>thread</th><th>does</th></tr>
 *   <tr><td>startTransaction</td><td>leader, RPC threads</td>
 *       <td>decode the command, {@link MetadataController#generate} against the latest image,
 *           put the resulting MetadataRecordBatch in the log entry</td></tr>
 *   <tr><td>applyTransaction</td><td>apply thread, log order</td>
 *       <td>{@link MetadataController#applyBatch}; answer the serialized MetadataCommandResult;
 *           a replay failure is fatal</td></tr>
 *   <tr><td>notifyTermIndexUpdated</td><td>apply thread</td><td>an entry without a command (leader
 *       no-op, configuration) was applied: only the applied index moves</td></tr>
 *   <tr><td>query</td><td>leader</td><td>answers the applied log index (8 bytes), for
 *       {@link MetadataQuorum#awaitCaughtUp}</td></tr>
 *   <tr><td>takeSnapshot</td><td>apply thread</td><td>write snapshot.term_index atomically, at the
 *       last entry that carried a command (the image version)</td></tr>
 *   <tr><td>initialize / reinitialize</td><td>start / after a snapshot installed from the leader</td>
 *       <td>reset the state to the latest snapshot (the log after it is then re-applied)</td></tr>
 *   <tr><td>pause</td><td>follower, installing a snapshot</td><td>lifecycle to PAUSED; reinitialize
 *       resumes it</td></tr>
 * </table>
 */
final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataStateMachine.class);

    private final int nodeId;
    private final String clusterId;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Object lock = new Object();
    private final List<Consumer<MetadataImage>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong proposals = new AtomicLong();
    private final AtomicLong reinitializations = new AtomicLong();
    private final CompletableFuture<Void> leaderReady = new CompletableFuture<>();
    private ClusterMetadata state; // guarded by lock; mutated on the apply thread only
    /**
     * The log entry {@code state} reflects (its image version): the last applied command, or the
     * loaded snapshot; null before either. Entries without a command (leader no-ops,
     * configuration and Ratis metadata entries) move the applied index but not this.
     */
    private TermIndex stateTermIndex; // guarded by lock
    private volatile MetadataImage image;
    private volatile RaftServer.Division division;
    private volatile RaftPeerId leaderId;
    private volatile Function<ControllerQuery, CompletableFuture<byte[]>> controllerQueries;
    private final TreeMap<Long, CompletableFuture<Void>> appliedWaiters = new TreeMap<>(); // guarded by itself

    MetadataStateMachine(int nodeId, String clusterId) {
        this.nodeId = nodeId;
        this.clusterId = clusterId;
        this.state = new ClusterMetadata(clusterId);
        this.image = state.image();
    }

    MetadataImage image() {
        return image;
    }

    void addListener(Consumer<MetadataImage> listener) {
        listeners.add(listener);
    }

    CompletableFuture<Void> leaderReady() {
        return leaderReady;
    }

    RaftPeerId leaderId() {
        return leaderId;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            loadLatestSnapshot();
        }, IOException.class);
    }

    /**
     * Ratis pauses the state machine right before it publishes a snapshot installed from the
     * leader, and reloads it (asserting PAUSED) only then; the base class's no-op would make that
     * reload fail and close the server.
     */
    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        loadLatestSnapshot();
        reinitializations.incrementAndGet();
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    /** How often Ratis reset this state machine to a snapshot it installed from the leader. */
    long reinitializations() {
        return reinitializations.get();
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        ControllerResult decided;
        try {
            MetadataCommand command = MetadataCommand.parseFrom(request.getMessage().getContent().toByteArray());
            long term = division().getInfo().getCurrentTerm();
            // Unique per proposal in the cluster's lifetime: one leader per term, a counter within it.
            String idSeed = "n" + nodeId + "/t" + term + "/p" + proposals.incrementAndGet();
            decided = MetadataController.generate(image, command, idSeed);
        } catch (InvalidProtocolBufferException e) {
            decided = ControllerResult.rejected(
                    Records.error(ErrorCode.INVALID_REQUEST, "metadata command does not parse: " + e.getMessage()));
        }
        if (decided.isError()) {
            LOG.debug("rejected metadata command: {}", decided.result().getErrorMessage());
        }
        return TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request)
                .setLogData(ByteString.copyFrom(decided.toBatch().toByteArray()))
                .build();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        MetadataCommandResult result;
        MetadataImage applied;
        try {
            MetadataRecordBatch batch = MetadataRecordBatch.parseFrom(
                    entry.getStateMachineLogEntry().getLogData().toByteArray());
            synchronized (lock) {
                result = MetadataController.applyBatch(state, batch, entry.getIndex());
                stateTermIndex = TermIndex.valueOf(entry);
                updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
                applied = state.image();
            }
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            LOG.error("FATAL: cannot apply metadata log entry {}; this node must stop", TermIndex.valueOf(entry), e);
            throw new IllegalStateException("cannot apply metadata log entry " + TermIndex.valueOf(entry), e);
        }
        publish(applied);
        completeAppliedWaiters();
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(result.toByteArray())));
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        synchronized (lock) {
            super.notifyTermIndexUpdated(term, index);
        }
        completeAppliedWaiters();
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        if (request.getContent().isEmpty()) { // "how far have you applied?" (awaitCaughtUp)
            return CompletableFuture.completedFuture(Message.valueOf(
                    ByteString.copyFrom(ByteBuffer.allocate(Long.BYTES).putLong(appliedIndex()).flip())));
        }
        Function<ControllerQuery, CompletableFuture<byte[]>> handler = controllerQueries;
        if (handler == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("node " + nodeId + " is starting"));
        }
        try {
            return handler.apply(ControllerQuery.parseFrom(request.getContent().toByteArray()))
                    .thenApply(bytes -> Message.valueOf(ByteString.copyFrom(bytes)));
        } catch (InvalidProtocolBufferException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Answers brokers' controller queries (heartbeats) arriving through Ratis on the leader. */
    void setControllerQueryHandler(Function<ControllerQuery, CompletableFuture<byte[]>> handler) {
        this.controllerQueries = handler;
    }

    /** The highest log index applied on this node (commands and entries without one). */
    long appliedIndex() {
        TermIndex last = getLastAppliedTermIndex();
        return last == null ? RaftLog.INVALID_LOG_INDEX : last.getIndex();
    }

    /** Completes once this node has applied the log up to {@code index}. */
    CompletableFuture<Void> awaitApplied(long index) {
        CompletableFuture<Void> done;
        synchronized (appliedWaiters) {
            if (appliedIndex() >= index) {
                return CompletableFuture.completedFuture(null);
            }
            done = appliedWaiters.computeIfAbsent(index, i -> new CompletableFuture<>());
        }
        completeAppliedWaiters(); // the index may have moved in between
        return done;
    }

    private void completeAppliedWaiters() {
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        synchronized (appliedWaiters) {
            if (appliedWaiters.isEmpty()) {
                return;
            }
            Map<Long, CompletableFuture<Void>> head = appliedWaiters.headMap(appliedIndex(), true);
            ready.addAll(head.values());
            head.clear();
        }
        ready.forEach(f -> f.complete(null));
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last;
        MetadataSnapshot.Builder snapshot = MetadataSnapshot.newBuilder();
        synchronized (lock) {
            // Snapshot at the entry the state reflects, not at the applied index: the entries
            // after it change nothing, so the snapshot is the same, and every node that loads it
            // (a restart, an install from the leader) gets an image of the same version as the
            // nodes that applied the log.
            last = stateTermIndex;
            if (last == null || last.getIndex() < 0) {
                return RaftLog.INVALID_LOG_INDEX;
            }
            snapshot.setTerm(last.getTerm()).setIndex(last.getIndex()).setClusterId(state.clusterId())
                    .addAllRecords(state.toRecords());
        }
        SingleFileSnapshotInfo latest = storage.getLatestSnapshot();
        if (latest != null && latest.getIndex() >= last.getIndex()) {
            return latest.getIndex();
        }
        Path file = storage.getSnapshotFile(last.getTerm(), last.getIndex()).toPath();
        SnapshotFiles.write(file, snapshot.build());
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file.toFile());
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file, md5), last));
        LOG.info("node {}: metadata snapshot at {} ({} records)", nodeId, last, snapshot.getRecordsCount());
        return last.getIndex();
    }

    /** Resets the state to the latest snapshot on disk, or to empty when there is none. */
    private void loadLatestSnapshot() throws IOException {
        SingleFileSnapshotInfo info = storage.loadLatestSnapshot();
        ClusterMetadata loaded;
        TermIndex at = null;
        if (info == null) {
            loaded = new ClusterMetadata(clusterId);
        } else {
            Path file = info.getFile().getPath();
            if (info.getFile().getFileDigest() != null) {
                MD5FileUtil.verifySavedMD5(file.toFile(), info.getFile().getFileDigest());
            }
            MetadataSnapshot snapshot = SnapshotFiles.read(file);
            if (snapshot.getTerm() != info.getTerm() || snapshot.getIndex() != info.getIndex()) {
                throw new IOException("snapshot " + file + " holds " + snapshot.getTerm() + "_" + snapshot.getIndex());
            }
            String storedClusterId = snapshot.getClusterId().isEmpty() ? clusterId : snapshot.getClusterId();
            if (!storedClusterId.equals(clusterId)) {
                LOG.warn("node {}: snapshot cluster id {} differs from the configured {}; keeping the snapshot's",
                        nodeId, storedClusterId, clusterId);
            }
            loaded = new ClusterMetadata(storedClusterId);
            try {
                for (MetadataRecord record : snapshot.getRecordsList()) {
                    loaded.replay(record, snapshot.getIndex());
                }
            } catch (RuntimeException e) {
                throw new IOException("snapshot " + file + " does not replay", e);
            }
            loaded.advanceTo(snapshot.getIndex());
            at = TermIndex.valueOf(snapshot.getTerm(), snapshot.getIndex());
            LOG.info("node {}: loaded metadata snapshot {} ({} records)", nodeId, at, snapshot.getRecordsCount());
        }
        MetadataImage loadedImage;
        synchronized (lock) {
            state = loaded;
            stateTermIndex = at;
            if (at != null) {
                setLastAppliedTermIndex(at);
            }
            loadedImage = loaded.image();
        }
        publish(loadedImage);
        completeAppliedWaiters();
    }

    private void publish(MetadataImage next) {
        image = next;
        for (Consumer<MetadataImage> listener : listeners) {
            try {
                listener.accept(next);
            } catch (RuntimeException e) {
                LOG.warn("metadata image listener {} failed at version {}", listener, next.version(), e);
            }
        }
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        this.leaderId = newLeaderId;
    }

    @Override
    public void notifyLeaderReady() {
        leaderReady.complete(null);
    }

    /** This node's Raft division; resolved lazily, since it is still being built during initialize. */
    private RaftServer.Division division() throws IOException {
        RaftServer.Division d = division;
        if (d == null) {
            d = getServer().join().getDivision(getGroupId());
            division = d;
        }
        return d;
    }
}
