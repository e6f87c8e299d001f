package io.tributary.replication;

/**
 * The partition log as a {@link Replica} sees it: offsets, fsync and truncation. The broker backs it
 * with its segment files; the replication simulation with an in-memory log that loses its unsynced
 * tail on power loss. Appends are the driver's (it owns the record format): it tells the replica
 * afterwards.
 */
public interface ReplicaLog {
    /** The first offset the log still serves (retention and DeleteRecords move it up). */
    long logStartOffset();

    /** The next offset to assign. */
    long logEndOffset();

    /** Every offset below it is fsynced. */
    long durableEndOffset();

    /**
     * Whether acks count only fsynced records ({@code flush.policy=ack}): then a leader counts its
     * durable end for the high watermark, and a follower fsyncs before it reports a fetch offset.
     */
    boolean acknowledgesOnlyDurableRecords();

    /** Fsyncs everything appended. */
    void flush();

    /** Removes every record at and above {@code offset} (durably); a no-op at or above the log end. */
    void truncateTo(long offset);

    /** Stops serving records below {@code newStart} (at most the log end), durably; a no-op at or below the start. */
    void advanceLogStartOffset(long newStart);

    /** Replaces the whole log by an empty one starting (and ending) at {@code offset}, durably. */
    void truncateFullyAndStartAt(long offset);
}
