package io.tributary.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NodeLogScanTest {
    private static final List<String> LOG = List.of(
            "=== start 2026-11-30T19:09:23Z",
            "19:13:21.400 WARN  [x] a.b.C - peer unreachable",
            "19:13:21.511 ERROR [log-flusher-logs] i.t.b.log.LogManager - flush of chaos-2 failed",
            "io.tributary.broker.log.LogStorageException: cannot write the recovery point",
            "\tat io.tributary.broker.log.LogManager.flush(LogManager.java:1)",
            "Caused by: org.rocksdb.RocksDBException: While appending to file: No space left on device",
            "19:13:22.000 ERROR [main] i.t.b.p.PartitionManager - Cannot host chaos-0: no whole batch at byte 4779",
            "\tat io.tributary.broker.partition.ReplicaRecovery.recover(ReplicaRecovery.java:32)",
            "Exception in thread \"main\" java.lang.NoClassDefFoundError: x",
            "21:07:06.754 ERROR [grpc-default-executor-1] o.a.r.s.RaftServer$Division - n2@group-0B: Failed appendEntries* n3->n2",
            "org.apache.ratis.protocol.exceptions.ServerNotReadyException: n2 is not in [STARTING, RUNNING]");

    @Test
    void errorsAndUncaughtExceptionsCountAndWarningsDoNot() {
        assertThat(NodeLogScan.suspicious(LOG, false)).hasSize(3);
    }

    @Test
    void aFullDiskExcusesOnlyTheErrorsItCaused() {
        assertThat(NodeLogScan.suspicious(LOG, true)).hasSize(2)
                .noneMatch(entry -> entry.contains("flush of chaos-2 failed"));
    }
}
