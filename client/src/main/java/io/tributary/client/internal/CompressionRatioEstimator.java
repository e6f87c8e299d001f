package io.tributary.client.internal;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How small each topic's batches compress, so that a compressed batch is closed near batch.size
 * compressed bytes rather than uncompressed ones (Kafka's producer does the same). The estimate
 * starts at 1 (no gain), creeps down slowly while batches compress better than estimated and jumps
 * up at once when one compresses worse, so batches overshoot batch.size rarely and briefly.
 */
public final class CompressionRatioEstimator {
    private static final double IMPROVING_STEP = 0.005;
    private static final double DETERIORATING_STEP = 0.05;
    /** Kafka's margin on the estimate when deciding a batch is full. */
    static final double ESTIMATION_MARGIN = 1.05;

    private final ConcurrentHashMap<String, Double> ratios = new ConcurrentHashMap<>();

    /** Compressed bytes per uncompressed byte expected for {@code topic}'s next batch. */
    public double estimate(String topic) {
        return ratios.getOrDefault(topic, 1.0);
    }

    /** Records what a built batch of {@code topic} compressed to. */
    public void observe(String topic, int uncompressedBytes, int compressedBytes) {
        if (uncompressedBytes <= 0) {
            return;
        }
        double observed = (double) compressedBytes / uncompressedBytes;
        ratios.compute(topic, (t, current) -> next(current == null ? 1.0 : current, observed));
    }

    static double next(double estimate, double observed) {
        if (observed > estimate) {
            return Math.max(estimate + DETERIORATING_STEP, observed);
        }
        if (observed < estimate) {
            return Math.max(estimate - IMPROVING_STEP, observed);
        }
        return estimate;
    }
}
