package io.tributary.metadata.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicConfigsTest {
    @Test
    void defaultsCoverEveryKey() {
        assertThat(TopicConfigs.defaults()).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("cleanup.policy", "delete"),
                Map.entry("retention.ms", "604800000"),
                Map.entry("retention.bytes", "-1"),
                Map.entry("segment.bytes", "1073741824"),
                Map.entry("segment.ms", "604800000"),
                Map.entry("max.message.bytes", "1048588"),
                Map.entry("flush.policy", "ack"),
                Map.entry("flush.ms", "1000"),
                Map.entry("min.insync.replicas", "1"),
                Map.entry("unclean.leader.election.enable", "false"),
                Map.entry("message.timestamp.type", "CreateTime"),
                Map.entry("compression.type", "producer"),
                Map.entry("delete.retention.ms", "86400000"),
                Map.entry("min.cleanable.dirty.ratio", "0.5"),
                Map.entry("min.compaction.lag.ms", "0")));
        TopicConfigs.defaults().forEach((k, v) -> assertThat(TopicConfigs.validationError(k, v)).isEmpty());
    }

    @Test
    void acceptsValidValues() {
        assertThat(TopicConfigs.validationError("cleanup.policy", "compact")).isEmpty();
        assertThat(TopicConfigs.validationError("cleanup.policy", "compact,delete")).isEmpty();
        assertThat(TopicConfigs.validationError("cleanup.policy", "delete, compact")).isEmpty();
        assertThat(TopicConfigs.cleanupPolicies(Map.of("cleanup.policy", "delete, compact")))
                .containsExactly("compact", "delete");
        assertThat(TopicConfigs.validationError("segment.ms", "1")).isEmpty();
        assertThat(TopicConfigs.validationError("retention.ms", "-1")).isEmpty();
        assertThat(TopicConfigs.validationError("retention.bytes", "9223372036854775807")).isEmpty();
        assertThat(TopicConfigs.validationError("segment.bytes", "1024")).isEmpty();
        assertThat(TopicConfigs.validationError("max.message.bytes", "0")).isEmpty();
        assertThat(TopicConfigs.validationError("flush.policy", "interval")).isEmpty();
        assertThat(TopicConfigs.validationError("flush.ms", "1")).isEmpty();
        assertThat(TopicConfigs.validationError("flush.ms", "0")).as("0 would make the flusher spin").isPresent();
        assertThat(TopicConfigs.validationError("min.insync.replicas", "2")).isEmpty();
        assertThat(TopicConfigs.validationError("unclean.leader.election.enable", "true")).isEmpty();
        assertThat(TopicConfigs.validationError("message.timestamp.type", "LogAppendTime")).isEmpty();
        for (String codec : new String[] {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}) {
            assertThat(TopicConfigs.validationError("compression.type", codec)).isEmpty();
        }
        assertThat(TopicConfigs.validationError("min.cleanable.dirty.ratio", "0.01")).isEmpty();
        assertThat(TopicConfigs.validationError("delete.retention.ms", "0")).isEmpty();
    }

    @Test
    void rejectsUnknownKeysAndBadValues() {
        assertThat(TopicConfigs.validationError("no.such.key", "1")).get().asString().contains("unknown");
        assertThat(TopicConfigs.validationError("cleanup.policy", "compact,compact")).get().asString()
                .contains("expected a list of distinct [compact, delete]");
        assertThat(TopicConfigs.validationError("cleanup.policy", "")).isPresent();
        assertThat(TopicConfigs.validationError("cleanup.policy", "delete,archive")).isPresent();
        assertThat(TopicConfigs.validationError("segment.ms", "0")).get().asString().contains(">= 1");
        assertThat(TopicConfigs.validationError("retention.ms", "-2")).get().asString().contains(">= -1");
        assertThat(TopicConfigs.validationError("retention.ms", "abc")).isPresent();
        assertThat(TopicConfigs.validationError("segment.bytes", "1023")).isPresent();
        assertThat(TopicConfigs.validationError("segment.bytes", "2147483648")).isPresent();
        assertThat(TopicConfigs.validationError("max.message.bytes", "-1")).isPresent();
        assertThat(TopicConfigs.validationError("flush.policy", "always")).isPresent();
        assertThat(TopicConfigs.validationError("flush.ms", "-1")).isPresent();
        assertThat(TopicConfigs.validationError("min.insync.replicas", "0")).isPresent();
        assertThat(TopicConfigs.validationError("unclean.leader.election.enable", "yes")).isPresent();
        assertThat(TopicConfigs.validationError("message.timestamp.type", "createtime")).isPresent();
        assertThat(TopicConfigs.validationError("compression.type", "brotli")).get().asString()
                .isEqualTo("topic config 'compression.type' is 'brotli', expected one of [gzip, lz4, producer, snappy,"
                        + " uncompressed, zstd]");
        assertThat(TopicConfigs.validationError("compression.type", "none")).isPresent();
        assertThat(TopicConfigs.validationError("delete.retention.ms", "-1")).get().asString().contains(">= 0");
        assertThat(TopicConfigs.validationError("min.cleanable.dirty.ratio", "1.5")).get().asString()
                .isEqualTo("topic config 'min.cleanable.dirty.ratio' is '1.5', must be a number from 0 to 1");
        assertThat(TopicConfigs.validationError("min.cleanable.dirty.ratio", "NaN")).isPresent();
        assertThat(TopicConfigs.validationError("min.cleanable.dirty.ratio", "half")).isPresent();
        assertThat(TopicConfigs.validationError("retention.ms", null)).isPresent();
        assertThat(TopicConfigs.validationError(Map.of("retention.ms", "5", "flush.ms", "x"))).isPresent();
    }

    @Test
    void typedGettersReadEffectiveValues() {
        Map<String, String> effective = TopicConfigs.effective(Map.of("retention.ms", "1000", "flush.policy", "interval"));
        assertThat(TopicConfigs.getLong(effective, "retention.ms")).isEqualTo(1000L);
        assertThat(TopicConfigs.getLong(effective, "retention.bytes")).isEqualTo(-1L);
        assertThat(TopicConfigs.getInt(effective, "segment.bytes")).isEqualTo(1073741824);
        assertThat(TopicConfigs.getString(effective, "flush.policy")).isEqualTo("interval");
        assertThat(TopicConfigs.getBoolean(effective, "unclean.leader.election.enable")).isFalse();
        assertThat(TopicConfigs.getInt(Map.of(), "min.insync.replicas")).isEqualTo(1);
    }
}
