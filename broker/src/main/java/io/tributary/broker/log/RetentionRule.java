package io.tributary.broker.log;

import java.util.List;

/**
 * Which whole segments retention deletes, as Kafka decides it: a prefix of the log, segment by
 * segment from the oldest, while each one is past retention.ms (every record in it is older) or
 * the partition is larger than retention.bytes without it. Never a segment holding a record at or
 * above the high watermark (a consumer could not have read it yet, and a follower may still need
 * it), never an empty active segment. When every segment goes, the caller rolls first so that the
 * log keeps an (empty) active segment. Pure: the caller reads the segments and the timestamp index.
 */
final class RetentionRule {
    private RetentionRule() {
    }

    /** A segment as retention sees it. */
    record SegmentSpan(long baseOffset, long sizeBytes) {
    }

    /**
     * @param segments         every segment in offset order, the active one last (at least one)
     * @param logEndOffset     where the active segment ends
     * @param retention        the topic's retention settings
     * @param timeCutoffOffset the first batch whose running max timestamp reaches now - retention.ms,
     *                         or -1 when no batch does (every record is older)
     * @param highWatermark    the replica's high watermark
     * @return the base offset of the first segment kept (the log end when every segment goes): the
     *     new log start offset; the first segment's base offset when nothing goes
     */
    static long newLogStartOffset(List<SegmentSpan> segments, long logEndOffset, LogConfig.Retention retention,
                                  long timeCutoffOffset, long highWatermark) {
        long newStart = segments.get(0).baseOffset();
        if (!retention.enabled()) {
            return newStart;
        }
        long remainingBytes = segments.stream().mapToLong(SegmentSpan::sizeBytes).sum();
        for (int i = 0; i < segments.size(); i++) {
            SegmentSpan segment = segments.get(i);
            long next = i + 1 < segments.size() ? segments.get(i + 1).baseOffset() : logEndOffset;
            if (segment.sizeBytes() == 0 || next > highWatermark) {
                break;
            }
            boolean expired = retention.ms() >= 0 && (timeCutoffOffset < 0 || next <= timeCutoffOffset);
            boolean oversized = retention.bytes() >= 0 && remainingBytes - segment.sizeBytes() >= retention.bytes();
            if (!expired && !oversized) {
                break;
            }
            remainingBytes -= segment.sizeBytes();
            newStart = next;
        }
        return newStart;
    }
}
