package io.tributary.broker.coordinator;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.tributary.proto.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lag of every group this broker coordinates, per partition it committed, as metrics for
 * autoscalers and dashboards: {@code tributary_group_lag_records} (high watermark minus committed
 * offset) and {@code tributary_group_lag_seconds} (how old the oldest record the group has not
 * consumed is, 0 when caught up), tagged group, topic and partition. Refreshed by {@link #refresh}.
 */
public final class GroupLag {
    private static final Logger log = LoggerFactory.getLogger(GroupLag.class);

    private final GroupCoordinatorRuntime coordinator;
    private final PartitionProgress partitions;
    private final LongSupplier wallClockMs;
    private final MultiGauge records;
    private final MultiGauge seconds;

    private record Row(String group, TopicPartition tp, long lagRecords, double lagSeconds) {
        Tags tags() {
            return Tags.of("group", group, "topic", tp.topic(), "partition", Integer.toString(tp.partition()));
        }
    }

    public GroupLag(GroupCoordinatorRuntime coordinator, PartitionProgress partitions, LongSupplier wallClockMs,
                    MeterRegistry registry) {
        this.coordinator = coordinator;
        this.partitions = partitions;
        this.wallClockMs = wallClockMs;
        this.records = MultiGauge.builder("tributary.group.lag.records")
                .description("records a consumer group has not consumed: high watermark minus committed offset")
                .register(registry);
        this.seconds = MultiGauge.builder("tributary.group.lag.seconds")
                .description("age of the oldest record a consumer group has not consumed (0 when caught up)")
                .register(registry);
    }

    /** Measures every committed (group, partition) again; rows of groups or partitions gone disappear. */
    public CompletableFuture<Void> refresh() {
        return coordinator.committedOffsets().thenCompose(committed -> {
            List<CompletableFuture<Row>> rows = new ArrayList<>();
            committed.forEach((group, offsets) -> offsets.forEach((tp, offset) -> rows.add(
                    partitions.progress(tp, offset).thenApply(p -> row(group, tp, offset, p))
                            .exceptionally(e -> null))));
            return CompletableFuture.allOf(rows.toArray(CompletableFuture[]::new)).thenRun(() -> {
                List<Row> measured = new ArrayList<>();
                rows.forEach(r -> {
                    if (r.join() != null) {
                        measured.add(r.join());
                    }
                });
                records.register(measured.stream().map(r -> MultiGauge.Row.of(r.tags(), r.lagRecords())).toList(), true);
                seconds.register(measured.stream().map(r -> MultiGauge.Row.of(r.tags(), r.lagSeconds())).toList(), true);
            });
        }).exceptionally(e -> {
            log.debug("measuring group lag failed: {}", e.toString());
            return null;
        });
    }

    private Row row(String group, TopicPartition tp, long committed, PartitionProgress.Progress progress) {
        long lag = Math.max(0, progress.highWatermark() - committed);
        double age = lag == 0 || progress.firstTimestampMs() < 0 ? 0
                : Math.max(0, wallClockMs.getAsLong() - progress.firstTimestampMs()) / 1000.0;
        return new Row(group, tp, lag, age);
    }
}
