package io.tributary.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.proto.metadata.v1.MetadataSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The purity of the controller's rules is checked on bytecode by the broker module's PureRulesArchitectureTest. */
class SnapshotFileTest {
    @Test
    void snapshotFileRoundTripsAndDetectsCorruption(@TempDir Path dir) throws IOException {
        MetadataControllerTest.Harness h = MetadataControllerTest.withBrokers(2);
        h.run(MetadataControllerTest.create("t", 2, 2, Map.of("retention.ms", "5")));
        MetadataSnapshot snapshot = MetadataSnapshot.newBuilder().setTerm(3).setIndex(h.offset)
                .setClusterId("c").addAllRecords(h.state.toRecords()).build();
        Path file = dir.resolve("snapshot.3_" + h.offset);
        SnapshotFiles.write(file, snapshot);
        assertThat(SnapshotFiles.read(file)).isEqualTo(snapshot);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(file.getFileName().toString());
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x40;
        Files.write(file, bytes);
        assertThatThrownBy(() -> SnapshotFiles.read(file)).isInstanceOf(IOException.class).hasMessageContaining("CRC");
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 5));
        assertThatThrownBy(() -> SnapshotFiles.read(file)).isInstanceOf(IOException.class);
    }
}
