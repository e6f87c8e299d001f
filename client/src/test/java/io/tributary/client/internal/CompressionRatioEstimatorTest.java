package io.tributary.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tributary.record.CompressionType;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class CompressionRatioEstimatorTest {
    @Test
    void startsAtNoGainAndCreepsDownWhileBatchesCompressBetter() {
        CompressionRatioEstimator estimator = new CompressionRatioEstimator();
        assertThat(estimator.estimate("t")).isEqualTo(1.0);

        for (int i = 0; i < 10; i++) {
            estimator.observe("t", 16_000, 4_000);
        }

        assertThat(estimator.estimate("t")).isCloseTo(0.95, within(1e-9));
        assertThat(estimator.estimate("other")).as("per topic").isEqualTo(1.0);
    }

    @Test
    void jumpsUpAtOnceWhenABatchCompressesWorse() {
        assertThat(CompressionRatioEstimator.next(0.3, 0.32)).isCloseTo(0.35, within(1e-9));
        assertThat(CompressionRatioEstimator.next(0.3, 0.9)).isEqualTo(0.9);
        assertThat(CompressionRatioEstimator.next(0.3, 0.298)).isEqualTo(0.298);
        assertThat(CompressionRatioEstimator.next(0.3, 0.3)).isEqualTo(0.3);
    }

    @Test
    void aCompressedProducerBatchTakesMoreRecordsOnceTheEstimateDrops() {
        CompressionRatioEstimator estimator = new CompressionRatioEstimator();
        for (int i = 0; i < 100; i++) {
            estimator.observe("t", 1_000, 100);
        }
        PartitionQueue queue = new PartitionQueue("t", 0);
        ProducerBatch plain = new ProducerBatch(queue, 0L, 1_000, 1_000);
        ProducerBatch compressed = new ProducerBatch(queue, 0L, 1_000, 1_000, CompressionType.ZSTD,
                estimator);

        assertThat(fill(compressed)).isGreaterThan(fill(plain) * 3 / 2);
    }

    private static int fill(ProducerBatch batch) {
        byte[] value = new byte[50];
        int appended = 0;
        while (batch.tryAppend(1L, null, value, List.of(), 60, new CompletableFuture<>())) {
            appended++;
        }
        return appended;
    }
}
