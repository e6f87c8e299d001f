package io.tributary.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tributary.broker.log.FsyncStats;
import io.tributary.proto.TopicPartition;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The broker's meters, in one Prometheus registry. Names follow Micrometer's dotted convention. */
public final class BrokerMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Timer produceLatency;
    private final Timer fetchLatency;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter recordsIn;
    private final Counter isrShrinks;
    private final Counter isrExpands;
    private final Map<TopicPartition, Meter> partitionGauges = new ConcurrentHashMap<>();

    public BrokerMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        produceLatency = requestTimer("Produce");
        fetchLatency = requestTimer("Fetch");
        bytesIn = Counter.builder("tributary.bytes.in").baseUnit("bytes")
                .description("record batch bytes appended by producers").register(registry);
        bytesOut = Counter.builder("tributary.bytes.out").baseUnit("bytes")
                .description("record batch bytes returned to fetchers").register(registry);
        recordsIn = Counter.builder("tributary.records.in").description("records appended").register(registry);
        isrShrinks = Counter.builder("tributary.isr.shrinks").description("ISR shrinks of partitions led here")
                .register(registry);
        isrExpands = Counter.builder("tributary.isr.expands").description("ISR expansions of partitions led here")
                .register(registry);
        new ProcessResidentMemory().bindTo(registry);
    }

    private Timer requestTimer(String api) {
        return Timer.builder("tributary.request.latency").tag("api", api)
                .description("time from request arrival to response, per API (rate = request rate)")
                .publishPercentiles(0.5, 0.99, 0.999)
                .distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry);
    }


    public Timer produceLatency() {
        return produceLatency;
    }

    public Timer fetchLatency() {
        return fetchLatency;
    }

    public void recordBytesIn(long bytes, long records) {
        bytesIn.increment(bytes);
        recordsIn.increment(records);
    }

    public void recordBytesOut(long bytes) {
        bytesOut.increment(bytes);
    }

    /** Registers the per-partition log gauges; {@code logEndOffset} is read at scrape time. */
    public void addPartition(TopicPartition tp, Supplier<Number> logEndOffset, Supplier<Number> highWatermark,
                             Supplier<Number> sizeBytes) {
        Tags tags = Tags.of("topic", tp.topic(), "partition", Integer.toString(tp.partition()));
        partitionGauges.computeIfAbsent(tp, ignored -> {
            Gauge.builder("tributary.log.high.watermark", highWatermark).tags(tags).register(registry);
            Gauge.builder("tributary.log.size", sizeBytes).tags(tags).baseUnit("bytes").register(registry);
            return Gauge.builder("tributary.log.end.offset", logEndOffset).tags(tags)
                    .description("next offset to be assigned").register(registry);
        });
    }

    public void removePartition(TopicPartition tp) {
        Meter removed = partitionGauges.remove(tp);
        if (removed != null) {
            Tags tags = Tags.of("topic", tp.topic(), "partition", Integer.toString(tp.partition()));
            registry.find("tributary.log.end.offset").tags(tags).meters().forEach(registry::remove);
            registry.find("tributary.log.high.watermark").tags(tags).meters().forEach(registry::remove);
            registry.find("tributary.log.size").tags(tags).meters().forEach(registry::remove);
        }
    }

    /**
     * Times every segment fsync ({@code tributary_log_fsync_seconds}: its count is the fsync count;
     * with group commit it grows much slower than the produce rate).
     */
    public void bindFsyncs(FsyncStats fsyncs) {
        Timer timer = Timer.builder("tributary.log.fsync").description("segment fsyncs (group commit: one serves many appends)")
                .publishPercentiles(0.5, 0.99, 0.999)
                .distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry);
        fsyncs.observeDurations(nanos -> timer.record(nanos, TimeUnit.NANOSECONDS));
    }

    /**
     * Counts ISR changes of the partitions this broker leads, however decided (its own proposal or
     * the controller fencing a follower), as Kafka's IsrShrinksPerSec and IsrExpandsPerSec.
     */
    public void recordIsrChange(int sizeBefore, int sizeAfter) {
        if (sizeAfter < sizeBefore) {
            isrShrinks.increment();
        } else if (sizeAfter > sizeBefore) {
            isrExpands.increment();
        }
    }

    /** Replicas hosted on this broker and how many of them it leads. */
    public void bindPartitionCounts(Supplier<Number> hosted, Supplier<Number> led) {
        Gauge.builder("tributary.partitions", hosted).description("partition replicas hosted on this broker")
                .register(registry);
        Gauge.builder("tributary.partitions.leader", led).description("partitions this broker leads").register(registry);
    }

    /** Free and total bytes of the file system holding the data directory (the disk-full alert). */
    public void bindDataDirectory(Path dataDir) {
        Gauge.builder("tributary.disk.usable", dataDir, dir -> fileStoreBytes(dir, false)).baseUnit("bytes")
                .description("bytes this node may still write to its data directory's file system").strongReference(true).register(registry);
        Gauge.builder("tributary.disk.total", dataDir, dir -> fileStoreBytes(dir, true)).baseUnit("bytes")
                .description("size of the data directory's file system").strongReference(true).register(registry);
    }

    private static double fileStoreBytes(Path dir, boolean total) {
        try {
            FileStore store = Files.getFileStore(dir);
            return total ? store.getTotalSpace() : store.getUsableSpace();
        } catch (IOException e) {
            return Double.NaN; // the data directory is unreadable: the gauge says "unknown"
        }
    }

    /**
     * The metadata quorum as this node sees it. Controller-wide figures (offline partitions, fenced
     * brokers) come from the active controller only and are 0 elsewhere, as Kafka's are, so that
     * they add up across nodes.
     */
    public void bindMetadataQuorum(MetadataQuorumView quorum) {
        // strong references: Micrometer holds a gauge's object weakly, and nothing else holds the view
        Gauge.builder("tributary.metadata.applied.offset", quorum, MetadataQuorumView::appliedOffset)
                .description("metadata log entries applied on this node (lag: the cluster's max minus this)")
                .strongReference(true).register(registry);
        Gauge.builder("tributary.metadata.term", quorum, MetadataQuorumView::term)
                .description("the metadata quorum's Raft term as this node knows it (a change: a controller election)")
                .strongReference(true).register(registry);
        Gauge.builder("tributary.controller.active", quorum, q -> q.isActiveController() ? 1 : 0)
                .description("1 on the active controller, 0 elsewhere").strongReference(true).register(registry);
        Gauge.builder("tributary.controller.partitions.offline", quorum,
                        q -> q.isActiveController() ? q.offlinePartitions() : 0)
                .description("partitions without a leader (on the active controller)").strongReference(true).register(registry);
        Gauge.builder("tributary.controller.brokers.fenced", quorum,
                        q -> q.isActiveController() ? q.fencedBrokers() : 0)
                .description("registered brokers that are fenced (on the active controller)").strongReference(true).register(registry);
        Gauge.builder("tributary.controller.brokers.registered", quorum,
                        q -> q.isActiveController() ? q.registeredBrokers() : 0)
                .description("registered brokers, fenced or not (on the active controller)").strongReference(true).register(registry);
    }

    /** What {@link #bindMetadataQuorum} reads from the metadata quorum at scrape time. */
    public interface MetadataQuorumView {
        long appliedOffset();

        long term();

        boolean isActiveController();

        int offlinePartitions();

        int fencedBrokers();

        int registeredBrokers();
    }

    /**
     * Replication health of the partitions this broker leads, as Kafka's UnderReplicatedPartitions
     * and UnderMinIsrPartitionCount: an ISR smaller than the replicas (a follower down or behind),
     * and an ISR below min.insync.replicas (acks=all produces are refused).
     */
    public void bindReplicationHealth(Supplier<Number> underReplicated, Supplier<Number> underMinIsr) {
        Gauge.builder("tributary.partitions.under.replicated", underReplicated)
                .description("led partitions whose ISR is smaller than their replica set").register(registry);
        Gauge.builder("tributary.partitions.under.min.isr", underMinIsr)
                .description("led partitions whose ISR is below min.insync.replicas").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
