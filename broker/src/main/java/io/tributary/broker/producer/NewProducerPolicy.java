package io.tributary.broker.producer;

/**
 * What the leader accepts as the first batch of a producer id it has no state for (the log holds
 * none of its batches, or the state was lost).
 */
public enum NewProducerPolicy {
    /**
     * The first batch must start at sequence 0, else {@code OUT_OF_ORDER_SEQUENCE}. The default:
     * the state is rebuilt from the whole log and never evicted, so "no state" means the producer
     * never had a batch appended here, and a non-zero start means its earlier batches are missing
     * (lost or still in flight): accepting it would reorder them. A producer whose state was truly
     * lost recovers by bumping its epoch (a new epoch restarts at 0), as in KIP-360.
     */
    REQUIRE_SEQUENCE_ZERO,
    /**
     * Kafka 2.5+ (KIP-360): accept any sequence from an unknown producer, since its state may have
     * been removed with the segments that held it (retention, DeleteRecords). Use only where the
     * state can be evicted while the producer lives on.
     */
    ACCEPT_ANY_SEQUENCE
}
