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
import io.tributary.proto.TopicPartition;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    /** Counts segment fsyncs; with group commit it grows much slower than the produce rate. */
    public void bindFsyncCount(Object owner, java.util.function.ToDoubleFunction<Object> fsyncCount) {
        io.micrometer.core.instrument.FunctionCounter.builder("tributary.log.fsyncs", owner, fsyncCount)
                .description("segment fsyncs (group commit: one serves many appends)").register(registry);
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
