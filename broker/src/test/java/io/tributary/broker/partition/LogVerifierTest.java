package io.tributary.broker.partition;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.LogVerification;
import io.tributary.broker.log.PartitionLog;
import io.tributary.metadata.BrokerRegistration;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.PartitionRegistration;
import io.tributary.metadata.TopicImage;
import io.tributary.proto.TopicPartition;
import io.tributary.record.RecordBatchBuilder;
import io.tributary.replication.Replica;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica hosted from a state snapshot has a part of its log nobody read at start-up: it does not
 * follow (so cannot rejoin the ISR) until the log verifier has checked that part, and damage found
 * there is handled as start-up recovery would have: cut and refetched out of the ISR, or the log
 * taken offline (the node stops) while this broker may be in the ISR.
 */
class LogVerifierTest {
    private static final int ME = 1;
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final String TOPIC_ID = "t-id";

    @TempDir
    Path dir;
    private LogManager logs;
    private final List<String> roleEvents = new ArrayList<>();

    @AfterEach
    void close() {
        if (logs != null) {
            logs.close();
        }
    }

    private static ByteBuffer batch(String value) {
        return new RecordBatchBuilder(128).append(0, null, value.getBytes(StandardCharsets.UTF_8)).build();
    }

    /**
     * Three committed batches with a state snapshot after them, then a fourth; with {@code damage}
     * the second batch's last value byte is flipped afterwards, under its CRC.
     */
    private void writeLogWithSnapshot(boolean damage) throws Exception {
        LogManager writer = LogManager.open(dir);
        long secondBatchEnd = 2L * batch("a").remaining();
        try {
            PartitionLog log = writer.getOrCreate(TP, TOPIC_ID, LogConfig.defaults());
            for (String v : List.of("a", "b", "c")) {
                log.append(batch(v), 0);
            }
            ReplicaRecovery.Result state = ReplicaRecovery.recover(log, 0, true);
            log.putStateSnapshot(3, ReplicaStateSnapshots.encode(3, state.producerState().snapshot(),
                    state.epochCache().entries()).orElseThrow());
            log.append(batch("d"), 0);
            log.flush();
            writer.checkpointHighWatermarks(Map.of(log, 4L));
        } finally {
            writer.close();
        }
        if (damage) {
            try (Stream<Path> files = Files.walk(dir);
                 RandomAccessFile segment = new RandomAccessFile(files.filter(f -> f.getParent().getFileName().toString().equals("t-0"))
                         .filter(f -> f.toString().endsWith(".log"))
                         .findFirst().orElseThrow().toFile(), "rw")) {
                segment.seek(secondBatchEnd - 1);
                int b = segment.read();
                segment.seek(secondBatchEnd - 1);
                segment.write(b ^ 0x10);
            }
        }
        logs = LogManager.open(dir);
    }

    private PartitionManager newManager() {
        return TestPartitionManagers.create(ME, logs, new PartitionManager.RoleListener() {
            @Override
            public void onRoleChange(Partition partition, Replica.RoleChange change) {
                roleEvents.add(change + " verified=" + partition.logVerified() + " end=" + partition.log().logEndOffset());
            }

            @Override
            public void onRemoved(Partition partition) {
                roleEvents.add("REMOVED");
            }
        });
    }

    /** Broker 1 registered at {@code myEpoch}; the partition (replicas 1, 2, 3) led by 2 with {@code isr}. */
    private static MetadataImage image(long version, long myEpoch, List<Integer> isr) {
        return image(version, myEpoch, 2, isr);
    }

    private static MetadataImage image(long version, long myEpoch, int leader, List<Integer> isr) {
        Map<Integer, BrokerRegistration> brokers = Map.of(
                ME, new BrokerRegistration(ME, "me", myEpoch, List.of(), "", true, false),
                2, new BrokerRegistration(2, "two", 2, List.of(), "", false, false));
        TopicImage topic = new TopicImage("t", TOPIC_ID,
                Map.of(0, new PartitionRegistration(0, List.of(1, 2, 3), isr, leader, 4, (int) version)), Map.of());
        return new MetadataImage(version, "cluster", brokers, Map.of("t", topic));
    }

    /** A restarted broker: registered, and out of the ISR as the registration leaves it. */
    private PartitionManager startOutOfIsr() {
        PartitionManager manager = newManager();
        manager.start(image(10, 5, List.of(2)));
        manager.onRegistered(20, image(20, 20, List.of(2)));
        return manager;
    }

    @Test
    void anIntactLogIsHostedAtOnceAndFollowsOnceVerified() throws Exception {
        writeLogWithSnapshot(false);
        PartitionManager manager = startOutOfIsr();
        Partition partition = manager.partition(TP).orElseThrow();
        assertThat(partition.logVerified()).isFalse();
        assertThat(partition.uncheckedBelow()).isEqualTo(3);

        assertThat(manager.verifyLogs(LogVerification.Pace.NONE)).isEqualTo(1);

        assertThat(partition.logVerified()).isTrue();
        assertThat(roleEvents).containsExactly("BECAME_FOLLOWER verified=false end=4", "BECAME_FOLLOWER verified=true end=4");
        assertThat(manager.verifyLogs(LogVerification.Pace.NONE)).as("nothing left to verify").isZero();
    }

    @Test
    void damageOutOfTheIsrRehostsTheReplicaCutAtTheDamage() throws Exception {
        writeLogWithSnapshot(true);
        PartitionManager manager = startOutOfIsr();
        Partition hosted = manager.partition(TP).orElseThrow();
        assertThat(hosted.log().logEndOffset()).as("recovery did not read the damaged batch").isEqualTo(4);

        assertThat(manager.verifyLogs(LogVerification.Pace.NONE)).isZero();

        Partition rehosted = manager.partition(TP).orElseThrow();
        assertThat(rehosted).isNotSameAs(hosted);
        assertThat(rehosted.log().logEndOffset()).as("cut at the damaged batch; the rest is fetched again").isEqualTo(1);
        assertThat(rehosted.logVerified()).as("its whole log was read").isTrue();
        assertThat(roleEvents).containsExactly("BECAME_FOLLOWER verified=false end=4", "REMOVED",
                "BECAME_FOLLOWER verified=true end=1");
        assertThat(logs.storageFailure()).isNotDone();
    }

    @Test
    void damageFoundAsTheLastInSyncReplicaTakesTheLogOfflineAndTheNextStartHoldsTheReplicaBack() throws Exception {
        writeLogWithSnapshot(true);
        PartitionManager manager = newManager();
        manager.start(image(10, 5, ME, List.of(ME)));
        manager.onRegistered(20, image(20, 20, ME, List.of(ME))); // the last member stays in the ISR
        Partition leader = manager.partition(TP).orElseThrow();
        assertThat(leader.isLeader()).as("as the last in-sync replica it leads at once").isTrue();

        manager.verifyLogs(LogVerification.Pace.NONE);

        PartitionLog log = leader.log();
        assertThat(log.isClosedOrOffline()).isTrue();
        assertThat(logs.storageFailure()).as("the node stops").isDone();
        assertThat(logs.storageFailure().get()).contains("fails its CRC");
        assertThat(log.stateSnapshotsAtOrBelow(Long.MAX_VALUE)).as("the next start reads the whole log").isEmpty();

        logs.close();
        logs = LogManager.open(dir);
        PartitionManager restarted = newManager();
        restarted.start(image(30, 5, ME, List.of(ME)));
        restarted.onRegistered(40, image(40, 40, ME, List.of(ME)));
        assertThat(restarted.partition(TP)).as("damage below the high watermark as the last in-sync replica: held back")
                .isEmpty();
        assertThat(logs.logs()).singleElement().satisfies(kept -> assertThat(kept.logEndOffset()).isEqualTo(4));
    }

    @Test
    void theVerifierWaitsUntilTheImageHoldsThisBrokersRegistration() throws Exception {
        writeLogWithSnapshot(true);
        PartitionManager manager = newManager();
        manager.start(image(10, 5, List.of(1, 2))); // before registering: still in the ISR of the last image
        manager.onRegistered(20, image(10, 5, List.of(1, 2)));

        assertThat(manager.verifyLogs(LogVerification.Pace.NONE)).isZero();
        assertThat(manager.partition(TP).orElseThrow().logVerified()).isFalse();
        assertThat(logs.storageFailure()).as("nothing judged yet").isNotDone();

        manager.onMetadataUpdate(image(20, 20, List.of(2))); // the registration took it out of the ISR
        manager.verifyLogs(LogVerification.Pace.NONE);

        assertThat(manager.partition(TP).orElseThrow().log().logEndOffset()).as("cut and refetched").isEqualTo(1);
        assertThat(logs.storageFailure()).isNotDone();
    }
}
