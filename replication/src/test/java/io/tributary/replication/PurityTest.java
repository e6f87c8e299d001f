package io.tributary.replication;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** STYLE 8: the replication rules read no clock, make no randomness, start no threads, do no I/O. */
class PurityTest {
    private static final List<String> FORBIDDEN = List.of(
            "System.currentTimeMillis", "System.nanoTime", "new Random(", "Thread.sleep", "UUID.randomUUID",
            "Instant.now", "new Thread(", "java.io.File", "java.nio.file", "io.grpc", "Executor", "synchronized");

    @Test
    void mainSourcesArePure() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(f);
                for (String bad : FORBIDDEN) {
                    if (text.contains(bad)) {
                        violations.add(f + ": " + bad);
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
