/**
 * Partition-log storage of a broker: append-only segment files of Kafka RecordBatch v2 bytes plus one
 * RocksDB index per node, group-commit fsync and crash recovery.
 *
 * <h2>On-disk format</h2>
 * <pre>
 * &lt;logDir&gt;/
 *   .lock                                  held (FileChannel.tryLock) while a LogManager has the directory open
 *   index/                                 one RocksDB instance for every partition on the node
 *   &lt;topic&gt;-&lt;partition&gt;/
 *     partition.metadata                   "version: 0", "topic_id: &lt;id&gt;", "index_key: &lt;long&gt;" (one per line)
 *     compaction-checkpoint                "&lt;compacted below&gt; &lt;oldest kept tombstone ms&gt;" once the log was compacted
 *     &lt;segment&gt;.log.cleaned / .log.swap    a cleaned copy being written / swapped in (see {@link io.tributary.broker.log.LogCleaner})
 *     00000000000000000000.log             segment: batches back to back, named by its first base offset (20 digits)
 *     00000000000000001234.log
 *   &lt;topic&gt;-&lt;partition&gt;.&lt;hex&gt;-delete/    a deletion in progress; removed at the next open
 * </pre>
 *
 * <p><b>Segments</b> hold the batches exactly as received, after the broker set the base offset
 * (bytes 0-7) and partition leader epoch (bytes 12-15) in place; neither is covered by the CRC, so
 * records are never re-encoded, except by compaction. Offsets are dense (each batch's base offset is
 * the previous batch's last offset + 1, and a segment's first batch has the segment's base offset)
 * except at or below the compaction checkpoint, where the cleaner removed batches, records inside
 * batches and emptied segments. A new segment is
 * rolled when an append would push the active one past {@code segment.bytes}, or its max timestamp is
 * {@code segment.ms} past the segment's first batch's; retention and DeleteRecords move the log start
 * offset and delete the segments wholly below it ({@link io.tributary.broker.log.RetentionRule}); one append never spans
 * two segments. Positions in a segment are ints (a segment holds at most 2 GiB).
 *
 * <p><b>Index</b> (RocksDB, all integers big-endian so byte order is numeric order). Each partition
 * has a positive 8-byte {@code index_key} from its partition.metadata, which prefixes its keys.
 * <pre>
 * column family  key (16 bytes)                                  value
 * offsets        index_key | batch base offset                   segment base offset (8) | position (4) | size (4) | last offset delta (4)
 * timestamps     index_key | running max timestamp ^ MIN_VALUE   base offset (8) of the first batch that reached it
 * default        index_key | "recovery-point"                    offset (8) below which the segments were last fsynced
 * default        index_key | "log-start-offset"                  the log start offset (8), synced, when past the first segment's base
 * default        index_key | "high-watermark"                    the replica's last checkpointed high watermark (8)
 * </pre>
 * A timestamps entry is written only when the partition's running max timestamp grows, so the first
 * entry at or above a target timestamp names the first batch that can hold a record at or after it.
 * The index is derived data: writes go to RocksDB's WAL without sync, and recovery repairs the index
 * from the segments (a corrupt index directory is discarded and rebuilt). Entries of partition keys
 * without a directory (a crash during delete) are removed at open.
 *
 * <p><b>Recovery</b> ({@code LogRecovery}): the last index entry at or below
 * the recovery point whose batch is intact on disk is the anchor; every batch after it is validated
 * (framing, magic 2, CRC32C, record framing, dense offsets but for compaction's gaps); the segment is cut at the first torn or
 * corrupt batch and later segments are deleted; index entries past the anchor are rewritten from the
 * scan; scanned segments are fsynced, so recovered data counts as durable.
 *
 * <p><b>Durability</b>: every append is also written to the node's {@code Journal}; {@link
 * io.tributary.broker.log.FlushPolicy#ACK} (default) acknowledges once the journal is fsynced past it,
 * one fsync per flush round for all partitions (group commit); {@link
 * io.tributary.broker.log.FlushPolicy#INTERVAL} makes appends durable every {@code flushIntervalMs}.
 * Segments are fsynced at checkpoints, which delete the journal files; at open the journal files a
 * crash left are replayed over the recovered logs ({@code JournalReplay}).
 *
 * <p><b>Files open</b>: a segment opens its file when used; {@code SegmentFiles} closes the least
 * recently used idle ones beyond {@code log.max.open.segment.files}. <b>Reads for fetches</b> return
 * a {@link io.tributary.broker.log.LogSlice} (a region of a segment, copied only when the response
 * is sent), so fetched records are not held in the heap. Segment and journal files are opened
 * through {@code SegmentFiles.Opener} and {@code Journal.FileOpener}, where tests inject a full disk
 * or a failed fsync ({@code SegmentFaultTest}, {@code JournalFaultTest}).
 */
package io.tributary.broker.log;
