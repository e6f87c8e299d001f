package io.tributary.cli;

import org.HdrHistogram.Histogram;

/** Formats an HdrHistogram of microseconds as Kafka's perf tools do, in milliseconds. */
final class LatencyReport {
    private LatencyReport() {
    }

    static Histogram newHistogram() {
        return new Histogram(3_600_000_000L, 3); // up to an hour, in microseconds
    }

    static String percentiles(Histogram micros) {
        return String.format("%.2f ms avg latency, %.2f ms max latency, %.2f ms 50th, %.2f ms 99th, %.2f ms 99.9th",
                micros.getMean() / 1000.0, micros.getMaxValue() / 1000.0,
                micros.getValueAtPercentile(50) / 1000.0, micros.getValueAtPercentile(99) / 1000.0,
                micros.getValueAtPercentile(99.9) / 1000.0);
    }
}
