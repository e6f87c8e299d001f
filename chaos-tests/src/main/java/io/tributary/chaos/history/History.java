package io.tributary.chaos.history;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's history file: one {@link HistoryEvent} per line, tab-separated, in the order the events
 * were recorded, after a header line. Written as the run goes (so a killed harness leaves what it
 * saw) and read back by the checker, so that a run can be checked again later.
 */
public final class History implements AutoCloseable {
    public static final String HEADER = "# tributary chaos history v1: timeNanos process type partition value offset detail";

    private final BufferedWriter out;
    private final long startNanos;

    private History(BufferedWriter out, long startNanos) {
        this.out = out;
        this.startNanos = startNanos;
    }

    /** Creates (or replaces) the file; times are measured from now. */
    public static History create(Path file) throws IOException {
        BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        out.write(HEADER);
        out.newLine();
        return new History(out, System.nanoTime());
    }

    /** Nanoseconds since the history began. */
    public long now() {
        return System.nanoTime() - startNanos;
    }

    /** Records an event stamped now. Thread-safe. */
    public void record(String process, HistoryEvent.Type type, int partition, String value, long offset, String detail) {
        append(new HistoryEvent(now(), process, type, partition, value, offset, detail));
    }

    public synchronized void append(HistoryEvent event) {
        try {
            out.write(event.toLine());
            out.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the history", e);
        }
    }

    public synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the history", e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }

    /**
     * Reads every event of a history file, in time order (a stable sort: a fault's start is written
     * once it was applied, stamped with when it began).
     */
    public static List<HistoryEvent> read(Path file) throws IOException {
        List<HistoryEvent> events = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                events.add(HistoryEvent.parse(line));
            }
        }
        events.sort(java.util.Comparator.comparingLong(HistoryEvent::timeNanos));
        return events;
    }
}
