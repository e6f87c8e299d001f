package io.tributary.broker.log;

import io.tributary.broker.log.BatchScan.Prefix;
import io.tributary.broker.log.BatchScan.Stop;
import io.tributary.record.RecordBatch;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.concat;
import static org.assertj.core.api.Assertions.assertThat;

class BatchScanTest {
    /** Three batches with offsets 10-11, 12-14, 15. */
    private static ByteBuffer threeBatches() {
        ByteBuffer a = batch(2, 1000, "a");
        ByteBuffer b = batch(3, 2000, "b");
        ByteBuffer c = batch(1, 3000, "c");
        RecordBatch.wrap(a).setBaseOffset(10);
        RecordBatch.wrap(b).setBaseOffset(12);
        RecordBatch.wrap(c).setBaseOffset(15);
        return concat(a, b, c);
    }

    @Test
    void validRunIsConsumedWhole() {
        ByteBuffer all = threeBatches();
        Prefix prefix = BatchScan.validPrefix(all, 10);
        assertThat(prefix.stop()).isEqualTo(Stop.END);
        assertThat(prefix.validBytes()).isEqualTo(all.remaining());
        assertThat(prefix.batches()).extracting(BatchScan.BatchEntry::baseOffset).containsExactly(10L, 12L, 15L);
        assertThat(prefix.nextOffset(-1)).isEqualTo(16);
        assertThat(prefix.batches().get(2).maxTimestamp()).isEqualTo(3000);
    }

    @Test
    void everyCutInsideTheLastBatchKeepsTheFirstTwo() {
        ByteBuffer all = threeBatches();
        int lastStart = all.remaining() - batch(1, 3000, "c").remaining();
        for (int cut = lastStart + 1; cut < all.remaining(); cut++) {
            ByteBuffer torn = all.duplicate().limit(cut);
            Prefix prefix = BatchScan.validPrefix(torn, 10);
            assertThat(prefix.validBytes()).as("cut at %d", cut).isEqualTo(lastStart);
            assertThat(prefix.batches()).hasSize(2);
            assertThat(prefix.stop()).isEqualTo(Stop.INCOMPLETE);
        }
    }

    @Test
    void corruptionAndOffsetGapsStopTheScan() {
        ByteBuffer all = threeBatches();
        int secondStart = batch(2, 1000, "a").remaining();
        ByteBuffer flipped = ByteBuffer.wrap(TestBatches.bytes(all));
        flipped.put(secondStart + 40, (byte) (flipped.get(secondStart + 40) ^ 1));
        Prefix crc = BatchScan.validPrefix(flipped, 10);
        assertThat(crc.stop()).isEqualTo(Stop.CORRUPT);
        assertThat(crc.validBytes()).isEqualTo(secondStart);
        assertThat(crc.reason()).contains("CRC");

        Prefix gap = BatchScan.validPrefix(all, 9);
        assertThat(gap.stop()).isEqualTo(Stop.CORRUPT);
        assertThat(gap.batches()).isEmpty();
        assertThat(gap.reason()).contains("base offset 10 where 9 was expected");
    }

    @Test
    void wholeBatchesBelowHonoursMaxOffsetAndPartialTail() {
        ByteBuffer all = threeBatches();
        int first = batch(2, 1000, "a").remaining();
        int second = batch(3, 2000, "b").remaining();
        assertThat(BatchScan.wholeBatchesBelow(all, 16)).isEqualTo(all.remaining());
        assertThat(BatchScan.wholeBatchesBelow(all, 15)).isEqualTo(first + second);
        assertThat(BatchScan.wholeBatchesBelow(all, 14)).isEqualTo(first);
        assertThat(BatchScan.wholeBatchesBelow(all.duplicate().limit(first + second - 1).slice(), 100)).isEqualTo(first);
    }
}
