package io.tributary.broker.partition;

import io.tributary.replication.FollowerLagLimits;
import io.tributary.replication.Replica;
import io.tributary.broker.log.FlushPolicy;
import io.tributary.broker.log.LogCleaner;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.TopicCompression;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.LogVerification;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.metadata.BrokerRegistration;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.PartitionRegistration;
import io.tributary.metadata.TopicImage;
import io.tributary.metadata.config.TopicConfigs;
import io.tributary.proto.TopicPartition;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's partition replicas in step with the metadata image: creates a log for every
 * partition assigned here, applies config changes, and deletes the logs of removed topics. The
 * metadata image is the only source of truth; this class never decides anything itself.
 */
public final class PartitionManager {
    private static final Logger log = LoggerFactory.getLogger(PartitionManager.class);

    private final int nodeId;
    private final LogManager logManager;
    private final BrokerMetrics metrics;
    private final FollowerLagLimits lagLimits;
    private final LongSupplier clockMs;
    private final Partition.Listener partitionListener;
    private final RoleListener roleListener;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private long appliedVersion = -1;
    /** The newest image applied (guarded by this): damage found later is judged against it. */
    private MetadataImage appliedImage;
    private boolean started; // guarded by this
    /** This broker's registration, once it has one: a damaged replica waits for it (guarded by this). */
    private long registeredBrokerEpoch = -1;
    /** Replicas not hosted because they lost committed records, each reported once (guarded by this). */
    private final Map<TopicPartition, String> damaged = new HashMap<>();

    /** Told, on the metadata thread, when a replica's role changed or it was removed. */
    public interface RoleListener {
        void onRoleChange(Partition partition, Replica.RoleChange change);

        void onRemoved(Partition partition);
    }

    public PartitionManager(int nodeId, LogManager logManager, BrokerMetrics metrics, FollowerLagLimits lagLimits,
                            LongSupplier clockMs, Partition.Listener partitionListener, RoleListener roleListener) {
        this.nodeId = nodeId;
        this.logManager = logManager;
        this.metrics = metrics;
        this.lagLimits = lagLimits;
        this.clockMs = clockMs;
        this.partitionListener = partitionListener;
        this.roleListener = roleListener;
        metrics.bindReplicationHealth(() -> partitions.values().stream().filter(Partition::isUnderReplicated).count(),
                () -> partitions.values().stream().filter(Partition::isUnderMinIsr).count());
        metrics.bindPartitionCounts(partitions::size, () -> partitions.values().stream().filter(Partition::isLeader).count());
    }

    public Optional<Partition> partition(TopicPartition tp) {
        return Optional.ofNullable(partitions.get(tp));
    }

    public Map<TopicPartition, Partition> partitions() {
        return Map.copyOf(partitions);
    }

    /**
     * Applies the first complete image: the caller guarantees it reflects the whole committed
     * metadata log (a replaying quorum shows partial images, and acting on one would delete live
     * logs). Then deletes the logs on disk whose topic was deleted while this node was down.
     */
    public synchronized void start(MetadataImage caughtUpImage) {
        start(caughtUpImage, false);
    }

    /**
     * As {@link #start(MetadataImage)}; {@code diskLost}: this node's disk was lost or replaced (its
     * metadata quorum member started empty while the quorum existed), so every replica the image
     * already assigns here may lack committed records, whatever is on disk now. Each one's log is
     * opened (created empty if need be) with the high-watermark checkpoint {@link ReplicaRecovery#LOST},
     * written durably before this returns, so that this start and every later one treat it as damaged
     * below its high watermark (hosted once out of the ISR, see {@link #onRegistered}) until it has
     * been hosted and checkpoints a real high watermark.
     */
    public synchronized void start(MetadataImage caughtUpImage, boolean diskLost) {
        started = true;
        if (diskLost) {
            Map<PartitionLog, Long> lost = new LinkedHashMap<>();
            for (TopicImage topic : caughtUpImage.topicsByName().values()) {
                for (PartitionRegistration p : topic.partitions().values()) {
                    if (p.replicas().contains(nodeId)) {
                        lost.put(logManager.getOrCreate(new TopicPartition(topic.name(), p.partition()), topic.topicId(),
                                logConfig(topic.effectiveConfigs())), ReplicaRecovery.LOST);
                    }
                }
            }
            logManager.checkpointHighWatermarks(lost);
        }
        Set<TopicPartition> assigned = apply(caughtUpImage);
        for (PartitionLog orphan : logManager.logs()) {
            // by assignment, not by what is hosted: a replica that is assigned here but not hosted
            // (damaged, see ReplicaRecovery) keeps its log until it is repaired
            if (!assigned.contains(orphan.topicPartition())) {
                log.info("Deleting {}: its topic no longer exists", orphan.topicPartition());
                logManager.delete(orphan.topicPartition());
            }
        }
    }

    /** Applies a newer metadata image; ignored before {@link #start} and for images already seen. */
    public synchronized void onMetadataUpdate(MetadataImage image) {
        if (started && image.version() > appliedVersion) {
            apply(image);
        }
    }

    /**
     * This broker registered with {@code brokerEpoch}: a replica that lost committed records is
     * repaired (cut and refetched) once an image with this registration has the broker out of its
     * ISR; the registration itself takes it out of every ISR where it is not the last member.
     */
    public synchronized void onRegistered(long brokerEpoch, MetadataImage image) {
        registeredBrokerEpoch = brokerEpoch;
        if (started && image.version() >= appliedVersion) { // an older image would undo newer roles
            apply(image);
        }
    }

    /** Returns the partitions assigned to this node in {@code image}. */
    private Set<TopicPartition> apply(MetadataImage image) {
        if (image.version() >= appliedVersion) {
            appliedImage = image;
        }
        appliedVersion = Math.max(appliedVersion, image.version());
        Set<TopicPartition> wanted = new HashSet<>();
        Map<TopicPartition, String> newlyDeferred = new java.util.TreeMap<>(
                java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        for (TopicImage topic : image.topicsByName().values()) {
            for (PartitionRegistration registration : topic.partitions().values()) {
                if (!registration.replicas().contains(nodeId)) {
                    continue;
                }
                TopicPartition tp = new TopicPartition(topic.name(), registration.partition());
                wanted.add(tp);
                try {
                    applyPartition(tp, topic, registration, mayLoseCommitted(image, topic, registration));
                    damaged.remove(tp);
                } catch (ReplicaDamagedException e) {
                    reportDamaged(tp, registration, e, newlyDeferred);
                } catch (RuntimeException e) {
                    // One partition that cannot be opened must not stop the others from following metadata.
                    log.error("Cannot host {} (topic id {}): {}", tp, topic.topicId(), e.toString(), e);
                }
            }
        }
        for (TopicPartition tp : Set.copyOf(partitions.keySet())) {
            if (!wanted.contains(tp)) {
                removePartition(tp);
            }
        }
        damaged.keySet().retainAll(wanted);
        if (!newlyDeferred.isEmpty()) { // one line however many partitions (a lost disk defers them all)
            Map.Entry<TopicPartition, String> first = newlyDeferred.entrySet().iterator().next();
            log.warn("{} replica(s) not hosted yet, since they may lack committed records: they are fetched again once"
                    + " this broker is out of their ISR: {}{}; {}", newlyDeferred.size(),
                    newlyDeferred.keySet().stream().limit(10).toList(), newlyDeferred.size() > 10 ? " ..." : "",
                    first.getValue());
        }
        return wanted;
    }

    /**
     * Whether this replica may be hosted with committed records missing (cut where its log is
     * damaged and fetched again): this broker is out of the ISR as registered, so it cannot be
     * elected before it has them back; or, as the last in-sync replica (registered), the topic
     * accepts losing committed records where nothing better is left (unclean election).
     */
    private boolean mayLoseCommitted(MetadataImage image, TopicImage topic, PartitionRegistration registration) {
        boolean lastInSync = registeredBrokerEpoch >= 0 && registration.isr().equals(java.util.List.of(nodeId));
        return outOfIsrAsRegistered(image, registration) || lastInSync
                && Boolean.parseBoolean(topic.effectiveConfigs().get(TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE));
    }

    /** Whether {@code image} holds this broker's current registration and has it out of the partition's ISR. */
    private boolean outOfIsrAsRegistered(MetadataImage image, PartitionRegistration registration) {
        BrokerRegistration self = image.brokers().get(nodeId);
        return registeredBrokerEpoch >= 0 && self != null && self.brokerEpoch() == registeredBrokerEpoch
                && !registration.isr().contains(nodeId);
    }

    private void reportDamaged(TopicPartition tp, PartitionRegistration registration, ReplicaDamagedException e,
                               Map<TopicPartition, String> newlyDeferred) {
        boolean lastInSync = registeredBrokerEpoch >= 0 && registration.isr().equals(java.util.List.of(nodeId));
        String state = lastInSync ? "last" : "deferred";
        if (state.equals(damaged.put(tp, state))) {
            return; // said already
        }
        if (lastInSync) {
            log.error("{}: this broker is the partition's last in-sync replica and lost committed records ({}); it is"
                    + " not hosted, so the partition is unavailable until an operator restores this disk or enables"
                    + " unclean.leader.election.enable on the topic to accept the loss", tp, e.getMessage());
        } else {
            newlyDeferred.put(tp, e.getMessage());
        }
    }

    private void applyPartition(TopicPartition tp, TopicImage topic, PartitionRegistration registration,
                                boolean mayLoseCommitted) {
        LogConfig config = logConfig(topic.effectiveConfigs());
        int minIsr = (int) TopicConfigs.getLong(topic.effectiveConfigs(), TopicConfigs.MIN_INSYNC_REPLICAS);
        Partition existing = partitions.get(tp);
        if (existing != null && !existing.log().topicId().equals(topic.topicId())) {
            removePartition(tp); // same name, new topic id: the old topic was deleted
            existing = null;
        }
        Partition partition = existing;
        if (partition == null) {
            PartitionLog partitionLog = logManager.getOrCreate(tp, topic.topicId(), config);
            partition = new Partition(nodeId, partitionLog,
                    ReplicaRecovery.recover(partitionLog, partitionLog.highWatermarkCheckpoint(), mayLoseCommitted), lagLimits,
                    clockMs, partitionListener, logManager.delayedOperations());
            partitions.put(tp, partition);
            metrics.addPartition(tp, partitionLog::logEndOffset, partition::highWatermark, partitionLog::sizeInBytes);
        } else if (!partition.log().config().equals(config)) {
            partition.log().updateConfig(config);
        }
        boolean unclean = Boolean.parseBoolean(topic.effectiveConfigs().get(TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE));
        int isrSizeBefore = partition.isr().size();
        Replica.RoleChange change = partition.applyRegistration(registration, minIsr, unclean);
        if (change == Replica.RoleChange.ISR_CHANGED) {
            metrics.recordIsrChange(isrSizeBefore, partition.isr().size());
        }
        if (change != Replica.RoleChange.NONE) {
            roleListener.onRoleChange(partition, change);
        }
    }

    private void removePartition(TopicPartition tp) {
        Partition removed = partitions.remove(tp);
        if (removed != null) {
            roleListener.onRemoved(removed);
        }
        metrics.removePartition(tp);
        logManager.delete(tp);
        log.info("Deleted partition {}", tp);
    }

    /**
     * Deletes, on every replica hosted here, the old segments its topic's retention no longer keeps
     * (Kafka's log cleanup task). A partition whose log fails is skipped and logged; the others go on.
     *
     * @param wallClockMs the time retention.ms counts back from: wall-clock time, as record timestamps are
     */
    public void enforceRetention(long wallClockMs) {
        long now = wallClockMs;
        for (Partition partition : partitions.values()) {
            try {
                long before = partition.log().logStartOffset();
                long after = partition.enforceRetention(now);
                if (after > before) {
                    log.info("{}: retention moved the log start offset from {} to {}", partition.topicPartition(), before, after);
                }
            } catch (RuntimeException e) {
                log.warn("Cannot enforce retention on {}: {}", partition.topicPartition(), e.toString());
            }
        }
    }

    /**
     * Runs one cleaning pass over every compacted log hosted here that is due (see {@link LogCleaner}).
     * A log that fails is skipped and logged; the others go on.
     *
     * @return how many logs were cleaned
     */
    public int compactLogs(LogCleaner cleaner, long wallClockMs) throws InterruptedException {
        int cleaned = 0;
        for (Partition partition : partitions.values()) {
            if (!partition.log().config().compaction().enabled() || !partition.logVerified()) {
                continue; // a cleaning would copy unverified batches into a segment with fresh checksums
            }
            try {
                if (cleaner.clean(partition.log(), partition.highWatermark(), partition::producerLastOffset, wallClockMs)
                        .cleaned()) {
                    cleaned++;
                }
            } catch (java.io.IOException | RuntimeException e) {
                log.warn("Cannot compact {}: {}", partition.topicPartition(), e.toString());
            }
        }
        return cleaned;
    }

    /** How many bytes a replica's log takes between two state snapshots at most (checked every second). */
    static final long STATE_SNAPSHOT_BYTES = 16L << 20;
    /** How old a replica's state snapshot may grow while its log moves slowly. */
    static final long STATE_SNAPSHOT_MAX_AGE_MS = 10_000;

    /**
     * Stores a state snapshot of every replica whose log moved far enough or long enough ago (see
     * {@link Partition#snapshotStateIfDue}): what a recovery must scan stays bounded however long the
     * log grows. {@code everyMoved}: of every replica whose log moved at all (a clean stop).
     *
     * @return how many snapshots were stored
     */
    public int snapshotReplicaStates(boolean everyMoved) {
        int stored = 0;
        for (Partition partition : partitions.values()) {
            if (partition.log().isClosedOrOffline()) {
                continue;
            }
            try {
                if (partition.snapshotStateIfDue(everyMoved ? 0 : STATE_SNAPSHOT_BYTES, everyMoved ? 0 : STATE_SNAPSHOT_MAX_AGE_MS)) {
                    stored++;
                }
            } catch (RuntimeException e) {
                log.warn("Cannot snapshot the replica state of {}: {}", partition.topicPartition(), e.toString());
            }
        }
        return stored;
    }

    /**
     * Reads and checks the part of every hosted log that recovery took from a state snapshot (see
     * {@link LogVerifier}), one log after another, paced by {@code pace}. A verified follower starts
     * fetching; damage is handled as start-up recovery would have handled it.
     *
     * @return how many logs were verified
     */
    public int verifyLogs(LogVerification.Pace pace) throws InterruptedException {
        if (!registrationApplied()) {
            // Damage is judged by whether this broker is in the ISR as registered (a registration takes a
            // restarted broker out of every ISR where it is not the last member): not before that is known.
            return 0;
        }
        int verified = 0;
        for (Partition partition : partitions.values()) {
            if (partition.logVerified()) {
                continue;
            }
            LogVerification.Walked walked = partition.verifyUncheckedPrefix(pace);
            if (walked.damaged()) {
                onDamageFound(partition, walked);
            } else {
                onVerified(partition);
                verified++;
            }
        }
        return verified;
    }

    /** Whether the newest applied image holds this broker's current registration. */
    private synchronized boolean registrationApplied() {
        BrokerRegistration self = appliedImage == null ? null : appliedImage.brokers().get(nodeId);
        return registeredBrokerEpoch >= 0 && self != null && self.brokerEpoch() == registeredBrokerEpoch;
    }

    private synchronized void onVerified(Partition partition) {
        partition.markLogVerified();
        if (partitions.get(partition.topicPartition()) == partition && !partition.isLeader()) {
            roleListener.onRoleChange(partition, Replica.RoleChange.BECAME_FOLLOWER); // it may fetch now
        }
    }

    /**
     * The verifier found {@code partition}'s log damaged below where recovery scanned it. Where
     * start-up would have cut the log and hosted it (this broker is out of the ISR, or the topic
     * accepts the loss), the replica is hosted again from a recovery of its whole log, which cuts it
     * at the damage; it then fetches the rest. Otherwise it is in the ISR as registered (its last
     * member, say) and could lead with records missing, so its log goes offline and the node stops (a
     * storage failure); its next start recovers the whole log and finds the damage before hosting, as
     * for damage found at start-up, and its registration takes it out of the ISR where others are left.
     */
    private synchronized void onDamageFound(Partition partition, LogVerification.Walked walked) {
        TopicPartition tp = partition.topicPartition();
        PartitionLog partitionLog = partition.log();
        if (partitions.get(tp) != partition || partitionLog.isClosedOrOffline()) {
            return; // removed, replaced or stopped meanwhile: nothing was damaged that is still served
        }
        TopicImage topic = appliedImage == null ? null : appliedImage.topicsByName().get(tp.topic());
        PartitionRegistration registration = topic == null ? null : topic.partitions().get(tp.partition());
        String damage = tp + ": the log verifier found " + walked.damage() + " (below offset " + partition.uncheckedBelow()
                + ", which recovery took from a state snapshot)";
        if (registration != null && mayLoseCommitted(appliedImage, topic, registration)) {
            log.warn("{}; the replica is recovered again from its whole log, which cuts it there", damage);
            partitionLog.discardStateSnapshots();
            partitions.remove(tp);
            roleListener.onRemoved(partition);
            metrics.removePartition(tp);
            apply(appliedImage);
        } else {
            log.error("{}; this broker is in the partition's ISR, so the log is taken offline and the node stops:"
                    + " its next start recovers the whole log and holds the replica back until it is out of the ISR",
                    damage);
            partitionLog.failAsDamaged(damage);
            partitionLog.discardStateSnapshots();
        }
    }

    /** Records every replica's moved high watermark, all in one synced write (see {@link LogManager#checkpointHighWatermarks}). */
    public void checkpointHighWatermarks() {
        Map<Partition, Long> due = new LinkedHashMap<>();
        for (Partition partition : partitions.values()) {
            try {
                partition.highWatermarkCheckpointDue().ifPresent(hw -> due.put(partition, hw));
            } catch (RuntimeException e) {
                log.warn("Cannot checkpoint the high watermark of {}: {}", partition.topicPartition(), e.toString());
            }
        }
        if (due.isEmpty()) {
            return;
        }
        Map<PartitionLog, Long> byLog = new LinkedHashMap<>();
        due.forEach((partition, hw) -> byLog.put(partition.log(), hw));
        try {
            logManager.checkpointHighWatermarks(byLog);
            due.forEach(Partition::onHighWatermarkCheckpointed);
        } catch (RuntimeException e) {
            log.warn("Cannot checkpoint the high watermarks of {} partitions: {}", due.size(), e.toString());
        }
    }

    /** Maps the effective topic configs onto the storage settings. */
    static LogConfig logConfig(Map<String, String> effective) {
        LogConfig.Retention retention = new LogConfig.Retention(
                TopicConfigs.cleanupPolicies(effective).contains(TopicConfigs.CLEANUP_POLICY_DELETE),
                TopicConfigs.getLong(effective, TopicConfigs.RETENTION_MS),
                TopicConfigs.getLong(effective, TopicConfigs.RETENTION_BYTES));
        return new LogConfig(TopicConfigs.getLong(effective, TopicConfigs.SEGMENT_BYTES),
                TopicConfigs.getLong(effective, TopicConfigs.SEGMENT_MS),
                (int) TopicConfigs.getLong(effective, TopicConfigs.MAX_MESSAGE_BYTES),
                TopicConfigs.FLUSH_POLICY_INTERVAL.equals(effective.get(TopicConfigs.FLUSH_POLICY)) ? FlushPolicy.INTERVAL : FlushPolicy.ACK,
                TopicConfigs.getLong(effective, TopicConfigs.FLUSH_MS),
                TopicConfigs.TIMESTAMP_LOG_APPEND_TIME.equals(effective.get(TopicConfigs.MESSAGE_TIMESTAMP_TYPE)),
                retention,
                new LogConfig.Compaction(TopicConfigs.cleanupPolicies(effective).contains(TopicConfigs.CLEANUP_POLICY_COMPACT),
                        TopicConfigs.getLong(effective, TopicConfigs.DELETE_RETENTION_MS),
                        TopicConfigs.getDouble(effective, TopicConfigs.MIN_CLEANABLE_DIRTY_RATIO),
                        TopicConfigs.getLong(effective, TopicConfigs.MIN_COMPACTION_LAG_MS)),
                TopicCompression.fromConfig(TopicConfigs.getString(effective, TopicConfigs.COMPRESSION_TYPE)));
    }
}
