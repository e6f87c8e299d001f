package io.tributary.broker.partition;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.PartitionLog;
import io.tributary.metadata.BrokerRegistration;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.PartitionRegistration;
import io.tributary.metadata.TopicImage;
import io.tributary.proto.TopicPartition;
import io.tributary.record.RecordBatchBuilder;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9: a replica that lost committed records (damage below its high watermark) is repaired
 * from the others (cut at the damage, refetched) only once the metadata, with this broker's new
 * registration applied, has it out of the ISR, so it can never lead with the shorter log; as the
 * last in-sync replica it is never cut. Until then its log is kept, not deleted as an orphan.
 */
class DamagedReplicaRepairTest {
    private static final int ME = 1;
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final String TOPIC_ID = "t-id";

    @TempDir
    Path dir;
    private LogManager logs;
    private PartitionManager manager;

    @BeforeEach
    void damageACommittedBatch() throws Exception {
        LogManager writer = LogManager.open(dir);
        long secondBatchEnd;
        try {
            PartitionLog log = writer.getOrCreate(TP, TOPIC_ID, LogConfig.defaults());
            log.append(batch("a"), 0);
            log.append(batch("b"), 0);
            secondBatchEnd = 2L * batch("a").remaining();
            log.append(batch("c"), 0);
            log.flush();
            writer.checkpointHighWatermarks(Map.of(log, 3L)); // all three were committed
        } finally {
            writer.close();
        }
        try (Stream<Path> files = Files.walk(dir);
             RandomAccessFile segment = new RandomAccessFile(files.filter(f -> f.toString().endsWith(".log"))
                     .findFirst().orElseThrow().toFile(), "rw")) {
            segment.seek(secondBatchEnd - 1); // the second batch's last value byte, under its CRC
            int b = segment.read();
            segment.seek(secondBatchEnd - 1);
            segment.write(b ^ 0x10);
        }
        logs = LogManager.open(dir);
        manager = newManager();
    }

    private PartitionManager newManager() {
        return TestPartitionManagers.create(ME, logs, TestPartitionManagers.NO_ROLES);
    }

    @AfterEach
    void close() {
        logs.close();
    }

    private static ByteBuffer batch(String value) {
        return new RecordBatchBuilder(128).append(0, null, value.getBytes(StandardCharsets.UTF_8)).build();
    }

    /** Broker 1 registered at {@code myEpoch}; the partition (replicas 1, 2, 3) led by 2 with {@code isr}. */
    private static MetadataImage image(long version, long myEpoch, List<Integer> isr) {
        return image(version, myEpoch, isr, "t", TOPIC_ID);
    }

    private static MetadataImage image(long version, long myEpoch, List<Integer> isr, String topicName, String topicId) {
        Map<Integer, BrokerRegistration> brokers = Map.of(
                ME, new BrokerRegistration(ME, "me", myEpoch, List.of(), "", true, false),
                2, new BrokerRegistration(2, "two", 2, List.of(), "", false, false));
        TopicImage topic = new TopicImage(topicName, topicId,
                Map.of(0, new PartitionRegistration(0, List.of(1, 2, 3), isr, 2, 4, (int) version)), Map.of());
        return new MetadataImage(version, "cluster", brokers, Map.of(topicName, topic));
    }

    @Test
    void isCutAndRefetchedOnlyOnceItsRegistrationTookItOutOfTheIsr() {
        manager.start(image(10, 5, List.of(1, 2)));
        assertThat(manager.partition(TP)).as("in the ISR before registering: not hosted").isEmpty();
        assertThat(logs.logs()).as("its log is kept (not deleted as an orphan)").hasSize(1);

        manager.onRegistered(20, image(10, 5, List.of(1, 2)));
        assertThat(manager.partition(TP)).as("the image does not have the registration yet").isEmpty();

        manager.onMetadataUpdate(image(20, 20, List.of(2)));

        assertThat(manager.partition(TP)).as("out of the ISR as registered: repaired").isPresent();
        assertThat(manager.partition(TP).orElseThrow().log().logEndOffset())
                .as("cut at the damaged batch; offsets 1 and 2 come again from the leader").isEqualTo(1);
    }

    /** A node whose disk was replaced: whatever is on disk may lack committed records. */
    @Test
    void afterALostDiskEveryReplicaWaitsUntilOutOfTheIsr() {
        TopicPartition fresh = new TopicPartition("fresh", 0); // nothing on disk: the disk was replaced
        manager.start(image(10, 5, List.of(1, 2), "fresh", "fresh-id"), true);
        manager.onRegistered(20, image(10, 5, List.of(1, 2), "fresh", "fresh-id"));
        assertThat(manager.partition(fresh)).as("an empty replica still in the ISR could be elected").isEmpty();

        manager.onMetadataUpdate(image(20, 20, List.of(2), "fresh", "fresh-id"));

        assertThat(manager.partition(fresh)).isPresent();
    }

    /** The mark is durable: a restart before the replica was hosted must not trust the empty disk. */
    @Test
    void aRestartAfterALostDiskStillWaitsUntilOutOfTheIsr() {
        TopicPartition fresh = new TopicPartition("fresh", 0);
        manager.start(image(10, 5, List.of(1, 2), "fresh", "fresh-id"), true);
        logs.close();
        logs = LogManager.open(dir);
        PartitionManager restarted = newManager();

        restarted.start(image(30, 5, List.of(1, 2), "fresh", "fresh-id"), false);
        restarted.onRegistered(40, image(30, 5, List.of(1, 2), "fresh", "fresh-id"));
        assertThat(restarted.partition(fresh)).isEmpty();

        restarted.onMetadataUpdate(image(40, 40, List.of(2), "fresh", "fresh-id"));
        assertThat(restarted.partition(fresh)).isPresent();
    }

    @Test
    void withItsDiskAnIntactReplicaIsHostedAtOnce() {
        manager.start(image(10, 5, List.of(1, 2), "fresh", "fresh-id"), false);

        assertThat(manager.partition(new TopicPartition("fresh", 0))).isPresent();
    }

    @Test
    void theLastInSyncReplicaIsNeverCut() {
        manager.start(image(10, 5, List.of(1)));
        manager.onRegistered(20, image(20, 20, List.of(1)));
        manager.onMetadataUpdate(image(21, 20, List.of(1)));

        assertThat(manager.partition(TP)).isEmpty();
        assertThat(logs.logs()).singleElement().satisfies(log -> assertThat(log.logEndOffset()).isEqualTo(3));
    }
}
