package io.tributary.metadata.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The one registry of topic config keys: their defaults and validation. The controller validates
 * CreateTopics with it; the broker builds its log settings from {@link #effective(Map)}.
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><th>key</th><th>type and range</th><th>default</th></tr>
 *   <tr><td>cleanup.policy</td><td>delete | compact | compact,delete</td><td>delete</td></tr>
 *   <tr><td>retention.ms</td><td>long &gt;= -1 (-1 = forever)</td><td>604800000</td></tr>
 *   <tr><td>retention.bytes</td><td>long &gt;= -1 (-1 = unlimited)</td><td>-1</td></tr>
 *   <tr><td>segment.bytes</td><td>int &gt;= 1024</td><td>1073741824</td></tr>
 *   <tr><td>segment.ms</td><td>long &gt;= 1</td><td>604800000</td></tr>
 *   <tr><td>max.message.bytes</td><td>int &gt;= 0</td><td>1048588</td></tr>
 *   <tr><td>flush.policy</td><td>ack (fsync before acknowledging, group commit) | interval (Kafka's)</td>
 *       <td>ack</td></tr>
 *   <tr><td>flush.ms</td><td>long &gt;= 0 (used by interval)</td><td>1000</td></tr>
 *   <tr><td>min.insync.replicas</td><td>int &gt;= 1</td><td>1</td></tr>
 *   <tr><td>unclean.leader.election.enable</td><td>true | false</td><td>false</td></tr>
 *   <tr><td>message.timestamp.type</td><td>CreateTime | LogAppendTime</td><td>CreateTime</td></tr>
 *   <tr><td>delete.retention.ms</td><td>long &gt;= 0: how long a compacted topic keeps a tombstone
 *       (by record time)</td><td>86400000</td></tr>
 *   <tr><td>min.cleanable.dirty.ratio</td><td>0 to 1: the share of a compacted log's cleanable bytes
 *       written since its last cleaning that starts the next</td><td>0.5</td></tr>
 *   <tr><td>min.compaction.lag.ms</td><td>long &gt;= 0: a record stays uncompacted at least this long
 *       (by the max timestamp of its segment's last batch)</td><td>0</td></tr>
 *   <tr><td>compression.type</td><td>producer | uncompressed | gzip | snappy | lz4 | zstd</td>
 *       <td>producer</td></tr>
 * </table>
 */
public final class TopicConfigs {
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String FLUSH_POLICY = "flush.policy";
    public static final String FLUSH_MS = "flush.ms";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    /** {@code producer} keeps each batch as its producer compressed it; a codec name makes the leader convert. */
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String COMPRESSION_PRODUCER = "producer";

    public static final String CLEANUP_POLICY_DELETE = "delete";
    public static final String CLEANUP_POLICY_COMPACT = "compact";
    public static final String FLUSH_POLICY_ACK = "ack";
    public static final String FLUSH_POLICY_INTERVAL = "interval";
    public static final String TIMESTAMP_CREATE_TIME = "CreateTime";
    public static final String TIMESTAMP_LOG_APPEND_TIME = "LogAppendTime";

    private enum Type { LONG, INT, RATIO, BOOLEAN, CHOICE, CHOICE_LIST }

    private record Def(String key, Type type, String defaultValue, long min, Set<String> choices) {
    }

    private static final Map<String, Def> DEFS = new LinkedHashMap<>();

    static {
        DEFS.put(CLEANUP_POLICY, new Def(CLEANUP_POLICY, Type.CHOICE_LIST, CLEANUP_POLICY_DELETE, 0,
                Set.of(CLEANUP_POLICY_DELETE, CLEANUP_POLICY_COMPACT)));
        number(RETENTION_MS, Type.LONG, "604800000", -1);
        number(RETENTION_BYTES, Type.LONG, "-1", -1);
        number(SEGMENT_BYTES, Type.INT, "1073741824", 1024);
        number(SEGMENT_MS, Type.LONG, "604800000", 1);
        number(MAX_MESSAGE_BYTES, Type.INT, "1048588", 0);
        choice(FLUSH_POLICY, FLUSH_POLICY_ACK, FLUSH_POLICY_ACK, FLUSH_POLICY_INTERVAL);
        number(FLUSH_MS, Type.LONG, "1000", 1); // 0 would make the flusher spin
        number(MIN_INSYNC_REPLICAS, Type.INT, "1", 1);
        DEFS.put(UNCLEAN_LEADER_ELECTION_ENABLE,
                new Def(UNCLEAN_LEADER_ELECTION_ENABLE, Type.BOOLEAN, "false", 0, Set.of("true", "false")));
        choice(MESSAGE_TIMESTAMP_TYPE, TIMESTAMP_CREATE_TIME, TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME);
        number(DELETE_RETENTION_MS, Type.LONG, "86400000", 0);
        DEFS.put(MIN_CLEANABLE_DIRTY_RATIO, new Def(MIN_CLEANABLE_DIRTY_RATIO, Type.RATIO, "0.5", 0, Set.of()));
        number(MIN_COMPACTION_LAG_MS, Type.LONG, "0", 0);
        choice(COMPRESSION_TYPE, COMPRESSION_PRODUCER, COMPRESSION_PRODUCER, "uncompressed", "gzip", "snappy", "lz4",
                "zstd");
    }

    private static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> defaults = new TreeMap<>();
        DEFS.values().forEach(d -> defaults.put(d.key(), d.defaultValue()));
        DEFAULTS = Collections.unmodifiableMap(defaults);
    }

    private TopicConfigs() {
    }

    private static void choice(String key, String defaultValue, String... choices) {
        DEFS.put(key, new Def(key, Type.CHOICE, defaultValue, 0, Set.of(choices)));
    }

    private static void number(String key, Type type, String defaultValue, long min) {
        DEFS.put(key, new Def(key, type, defaultValue, min, Set.of()));
    }

    /** Every known key with its default value (sorted by key, unmodifiable). */
    public static Map<String, String> defaults() {
        return DEFAULTS;
    }

    public static boolean isKnown(String key) {
        return DEFS.containsKey(key);
    }

    /** Empty when {@code key=value} is acceptable, else the reason (unknown key or bad value). */
    public static Optional<String> validationError(String key, String value) {
        Def def = key == null ? null : DEFS.get(key);
        if (def == null) {
            return Optional.of("unknown topic config '" + key + "'");
        }
        if (value == null) {
            return Optional.of("topic config '" + key + "' has no value");
        }
        switch (def.type()) {
            case CHOICE, BOOLEAN -> {
                if (!def.choices().contains(value)) {
                    return Optional.of("topic config '" + key + "' is '" + value + "', expected one of "
                            + new TreeSet<>(def.choices()));
                }
                return Optional.empty();
            }
            case CHOICE_LIST -> {
                Set<String> seen = new TreeSet<>();
                for (String item : value.split(",", -1)) {
                    String trimmed = item.trim();
                    if (!def.choices().contains(trimmed) || !seen.add(trimmed)) {
                        return Optional.of("topic config '" + key + "' is '" + value + "', expected a list of distinct "
                                + new TreeSet<>(def.choices()) + " (e.g. 'delete' or 'compact,delete')");
                    }
                }
                return Optional.empty();
            }
            case LONG, INT -> {
                long parsed;
                try {
                    parsed = def.type() == Type.INT ? Integer.parseInt(value) : Long.parseLong(value);
                } catch (NumberFormatException e) {
                    return Optional.of("topic config '" + key + "' is '" + value + "', not "
                            + (def.type() == Type.INT ? "a 32-bit" : "a 64-bit") + " integer");
                }
                if (parsed < def.min()) {
                    return Optional.of("topic config '" + key + "' is " + parsed + ", must be >= " + def.min());
                }
                return Optional.empty();
            }
            case RATIO -> {
                double parsed;
                try {
                    parsed = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    parsed = Double.NaN;
                }
                if (!(parsed >= 0 && parsed <= 1)) {
                    return Optional.of("topic config '" + key + "' is '" + value + "', must be a number from 0 to 1");
                }
                return Optional.empty();
            }
            default -> throw new IllegalStateException("unhandled type " + def.type());
        }
    }

    /** The first problem among {@code configs}, checked in key order; empty when all are valid. */
    public static Optional<String> validationError(Map<String, String> configs) {
        for (Map.Entry<String, String> e : new TreeMap<>(configs).entrySet()) {
            Optional<String> error = validationError(e.getKey(), e.getValue());
            if (error.isPresent()) {
                return error;
            }
        }
        return Optional.empty();
    }

    /** The defaults overlaid with {@code explicit} (sorted by key, unmodifiable). */
    public static Map<String, String> effective(Map<String, String> explicit) {
        Map<String, String> merged = new TreeMap<>(DEFAULTS);
        merged.putAll(explicit);
        return Collections.unmodifiableMap(merged);
    }

    public static String getString(Map<String, String> effective, String key) {
        String value = effective.get(key);
        if (value == null) {
            value = DEFAULTS.get(key);
        }
        if (value == null) {
            throw new IllegalArgumentException("unknown topic config '" + key + "'");
        }
        return value;
    }

    public static long getLong(Map<String, String> effective, String key) {
        return Long.parseLong(getString(effective, key));
    }

    public static double getDouble(Map<String, String> effective, String key) {
        return Double.parseDouble(getString(effective, key));
    }

    public static int getInt(Map<String, String> effective, String key) {
        return Integer.parseInt(getString(effective, key));
    }

    /** The cleanup.policy items of {@code effective} ({@code delete}, {@code compact} or both). */
    public static Set<String> cleanupPolicies(Map<String, String> effective) {
        Set<String> policies = new TreeSet<>();
        for (String item : getString(effective, CLEANUP_POLICY).split(",")) {
            policies.add(item.trim());
        }
        return policies;
    }

    public static boolean getBoolean(Map<String, String> effective, String key) {
        return Boolean.parseBoolean(getString(effective, key));
    }
}
