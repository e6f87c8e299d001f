package io.tributary.broker.log;

/**
 * When an append counts as durable, a per-topic setting.
 *
 * <ul>
 *   <li>{@link #ACK}: an append is acknowledged only once it is fsynced. The {@link LogManager}'s
 *       flusher thread fsyncs every log with waiters once per round (group commit), so concurrent
 *       appends share one fsync. The default.</li>
 *   <li>{@link #INTERVAL}: an append is acknowledged once written to the page cache and fsynced every
 *       {@link LogConfig#flushIntervalMs()} by the same thread (Kafka's behaviour). Relies on replication.</li>
 * </ul>
 */
public enum FlushPolicy {
    ACK,
    INTERVAL
}
