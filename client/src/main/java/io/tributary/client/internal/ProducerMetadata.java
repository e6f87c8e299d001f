package io.tributary.client.internal;

/** What the producer's dispatcher needs of the cluster metadata: the current view, and a way to ask for a newer one. */
public interface ProducerMetadata {
    Cluster cluster();

    /** Asks for fresher metadata soon (rate-limited by the implementation); never blocks. */
    void requestRefresh();
}
