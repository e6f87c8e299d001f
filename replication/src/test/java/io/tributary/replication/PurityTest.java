package io.tributary.replication;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * STYLE 8: the replication rules take no locks (the driver serialises calls). Clocks, randomness,
 * threads and I/O are checked on the bytecode of every pure package by the broker module's
 * {@code PureRulesArchitectureTest}; a lock block is not visible there, so it is checked here.
 */
class PurityTest {
    private static final List<String> FORBIDDEN = List.of("synchronized");

    @Test
    void mainSourcesTakeNoLocks() throws IOException {
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
