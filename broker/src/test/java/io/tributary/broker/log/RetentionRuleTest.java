package io.tributary.broker.log;

import io.tributary.broker.log.RetentionRule.SegmentSpan;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RetentionRuleTest {
    /** Segments at 0, 10, 20 of 100 bytes each and an active one at 30 of 40 bytes; log end 35. */
    private static final List<SegmentSpan> SEGMENTS = List.of(new SegmentSpan(0, 100), new SegmentSpan(10, 100),
            new SegmentSpan(20, 100), new SegmentSpan(30, 40));
    private static final long END = 35;

    private static long start(LogConfig.Retention retention, long timeCutoff, long highWatermark) {
        return RetentionRule.newLogStartOffset(SEGMENTS, END, retention, timeCutoff, highWatermark);
    }

    @Test
    void timeRetentionDeletesTheSegmentsEndingAtOrBeforeTheFirstRecentBatch() {
        LogConfig.Retention week = new LogConfig.Retention(true, 7, -1);
        assertThat(start(week, 0, END)).as("the first batch is recent").isZero();
        assertThat(start(week, 19, END)).isEqualTo(10);
        assertThat(start(week, 20, END)).isEqualTo(20);
        assertThat(start(week, -1, END)).as("every record is old: the active segment goes too").isEqualTo(END);
    }

    @Test
    void neverPastTheHighWatermark() {
        LogConfig.Retention week = new LogConfig.Retention(true, 7, -1);
        assertThat(start(week, -1, 19)).isEqualTo(10);
        assertThat(start(week, -1, 34)).isEqualTo(30);
    }

    @Test
    void sizeRetentionKeepsAtLeastRetentionBytes() {
        assertThat(start(new LogConfig.Retention(true, -1, 340), -1, END)).as("exactly at the limit").isZero();
        assertThat(start(new LogConfig.Retention(true, -1, 240), -1, END)).isEqualTo(10);
        assertThat(start(new LogConfig.Retention(true, -1, 139), -1, END)).isEqualTo(20);
        assertThat(start(new LogConfig.Retention(true, -1, 0), -1, END)).isEqualTo(END);
    }

    @Test
    void eitherLimitDeletesAndDisabledOrUnlimitedRetentionDeletesNothing() {
        assertThat(start(new LogConfig.Retention(true, 7, 240), 0, END)).as("size alone").isEqualTo(10);
        assertThat(start(new LogConfig.Retention(true, 7, 240), 20, END)).as("time reaches further").isEqualTo(20);
        assertThat(start(new LogConfig.Retention(true, -1, -1), -1, END)).isZero();
        assertThat(start(LogConfig.Retention.NONE, -1, END)).isZero();
    }

    @Test
    void anEmptyActiveSegmentStays() {
        List<SegmentSpan> rolled = List.of(new SegmentSpan(0, 100), new SegmentSpan(10, 0));
        assertThat(RetentionRule.newLogStartOffset(rolled, 10, new LogConfig.Retention(true, 1, -1), -1, 10)).isEqualTo(10);
    }
}
