package io.tributary.broker.producer;

import java.util.List;

/**
 * The producer state of a partition as of a log offset: restore it, then replay the batches from
 * {@code endOffset} on with {@link ProducerStateManager#onAppended}.
 *
 * @param endOffset the offset after the last batch the state includes
 * @param producers one state per producer id
 */
public record ProducerStateSnapshot(long endOffset, List<ProducerState> producers) {
    public ProducerStateSnapshot {
        producers = List.copyOf(producers);
    }
}
