package io.tributary.broker.replica;

import io.tributary.replication.Replica;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.metadata.PartitionRegistration;
import io.tributary.proto.TopicPartition;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one {@link ReplicaFetcher} per leader this broker follows partitions from, and moves each
 * followed partition to the fetcher of its current leader as the metadata changes.
 */
public final class ReplicaFetcherManager implements PartitionManager.RoleListener, AutoCloseable {
    /** How long a follower's fetch waits at the leader for new records (a live follower fetches at least this often). */
    public static final int FETCH_MAX_WAIT_MS = 500;

    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcherManager.class);

    private final int localId;
    private final BrokerChannels channels;
    private final LogManager logManager;
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>(); // guarded by this
    private final Map<TopicPartition, ReplicaFetcher> assignment = new HashMap<>(); // guarded by this
    private boolean closed;

    public ReplicaFetcherManager(int localId, BrokerChannels channels, LogManager logManager) {
        this.localId = localId;
        this.channels = channels;
        this.logManager = logManager;
    }

    @Override
    public synchronized void onRoleChange(Partition partition, Replica.RoleChange change) {
        if (closed) {
            return;
        }
        TopicPartition tp = partition.topicPartition();
        switch (change) {
            case BECAME_FOLLOWER -> {
                stopFollowing(tp);
                int leader = partition.leaderId();
                if (leader == PartitionRegistration.NO_LEADER || leader == localId) {
                    return;
                }
                if (!partition.logVerified()) {
                    // not before the log verifier has read what recovery took from a snapshot: a follower
                    // that caught up would rejoin the ISR with any damage below it (it calls again then)
                    log.debug("{}: follows broker {} once its log is verified", tp, leader);
                    return;
                }
                ReplicaFetcher fetcher = fetchers.computeIfAbsent(leader, id -> {
                    ReplicaFetcher f = new ReplicaFetcher(localId, id, channels, logManager);
                    f.start();
                    return f;
                });
                fetcher.add(partition, partition.leaderEpoch());
                assignment.put(tp, fetcher);
            }
            case BECAME_LEADER, NO_LEADER -> stopFollowing(tp);
            default -> {
            }
        }
    }

    @Override
    public synchronized void onRemoved(Partition partition) {
        stopFollowing(partition.topicPartition());
    }

    private void stopFollowing(TopicPartition tp) {
        ReplicaFetcher previous = assignment.remove(tp);
        if (previous == null) {
            return;
        }
        previous.remove(tp);
        if (previous.isEmpty()) {
            fetchers.remove(previous.leaderId());
            closeQuietly(previous);
        }
    }


    private static void closeQuietly(ReplicaFetcher fetcher) {
        try {
            fetcher.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Map<Integer, ReplicaFetcher> toClose;
        synchronized (this) {
            closed = true;
            toClose = new HashMap<>(fetchers);
            fetchers.clear();
            assignment.clear();
        }
        toClose.values().forEach(ReplicaFetcherManager::closeQuietly);
        log.debug("Stopped {} replica fetchers", toClose.size());
    }
}
