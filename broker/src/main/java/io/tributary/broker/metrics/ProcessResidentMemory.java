package io.tributary.broker.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident set size ({@code process_resident_memory_bytes}, as Prometheus's own
 * client names it), read from {@code /proc/self/status} at scrape time: Micrometer's JVM binders
 * see only the heap and the JVM's own pools, not what the process really holds (RocksDB's native
 * memory, direct buffers, thread stacks). NaN where there is no /proc (not Linux).
 */
final class ProcessResidentMemory implements MeterBinder {
    private static final Path STATUS = Path.of("/proc/self/status");

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("process.resident.memory", ProcessResidentMemory::residentBytes).baseUnit("bytes")
                .description("resident set size of this process").register(registry);
    }

    static double residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    return parseKilobytes(line.substring("VmRSS:".length())) * 1024.0;
                }
            }
            return Double.NaN;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** "   123456 kB" to 123456. */
    static long parseKilobytes(String value) {
        String trimmed = value.trim();
        int space = trimmed.indexOf(' ');
        return Long.parseLong(space < 0 ? trimmed : trimmed.substring(0, space));
    }
}
