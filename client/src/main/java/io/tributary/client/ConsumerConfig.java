package io.tributary.client;

import io.tributary.client.internal.BrokerAddress;
import java.util.List;
import java.util.Objects;

/** Consumer settings; build with {@link #builder()}. Values are validated by {@link Builder#build()}. */
public final class ConsumerConfig {
    private final List<String> bootstrapServers;
    private final int fetchMaxWaitMs;
    private final int fetchMinBytes;
    private final int fetchMaxBytes;
    private final int maxPartitionFetchBytes;
    private final int requestTimeoutMs;
    private final AutoOffsetReset autoOffsetReset;
    private final int maxPollRecords;
    private final long retryBackoffMs;
    private final boolean checkCrcs;
    private final String groupId;
    private final String groupInstanceId;
    private final boolean enableAutoCommit;
    private final int autoCommitIntervalMs;
    private final int rebalanceTimeoutMs;
    private final String serverAssignor;

    private ConsumerConfig(Builder b) {
        this.bootstrapServers = List.copyOf(b.bootstrapServers);
        this.fetchMaxWaitMs = b.fetchMaxWaitMs;
        this.fetchMinBytes = b.fetchMinBytes;
        this.fetchMaxBytes = b.fetchMaxBytes;
        this.maxPartitionFetchBytes = b.maxPartitionFetchBytes;
        this.requestTimeoutMs = b.requestTimeoutMs;
        this.autoOffsetReset = b.autoOffsetReset;
        this.maxPollRecords = b.maxPollRecords;
        this.retryBackoffMs = b.retryBackoffMs;
        this.checkCrcs = b.checkCrcs;
        this.groupId = b.groupId;
        this.groupInstanceId = b.groupInstanceId;
        this.enableAutoCommit = b.enableAutoCommit;
        this.autoCommitIntervalMs = b.autoCommitIntervalMs;
        this.rebalanceTimeoutMs = b.rebalanceTimeoutMs;
        this.serverAssignor = b.serverAssignor;
    }

    /** The consumer group to join on {@code subscribe}, and to commit offsets to; null for none. */
    public String groupId() {
        return groupId;
    }

    /** Static membership: a restart under the same id within the session keeps the partitions; null for none. */
    public String groupInstanceId() {
        return groupInstanceId;
    }

    /** Commit the positions of what poll returned every {@link #autoCommitIntervalMs()} and on revocation and close. */
    public boolean enableAutoCommit() {
        return enableAutoCommit;
    }

    public int autoCommitIntervalMs() {
        return autoCommitIntervalMs;
    }

    /** How long the consumer may take to give up a revoked partition (Kafka's max.poll.interval.ms). */
    public int rebalanceTimeoutMs() {
        return rebalanceTimeoutMs;
    }

    /** The server-side assignor to ask for (uniform, range); empty for the group's default. */
    public String serverAssignor() {
        return serverAssignor;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<String> bootstrapServers() {
        return bootstrapServers;
    }

    public int fetchMaxWaitMs() {
        return fetchMaxWaitMs;
    }

    public int fetchMinBytes() {
        return fetchMinBytes;
    }

    public int fetchMaxBytes() {
        return fetchMaxBytes;
    }

    public int maxPartitionFetchBytes() {
        return maxPartitionFetchBytes;
    }

    public int requestTimeoutMs() {
        return requestTimeoutMs;
    }

    public AutoOffsetReset autoOffsetReset() {
        return autoOffsetReset;
    }

    public int maxPollRecords() {
        return maxPollRecords;
    }

    public long retryBackoffMs() {
        return retryBackoffMs;
    }

    public boolean checkCrcs() {
        return checkCrcs;
    }

    @Override
    public String toString() {
        return "ConsumerConfig(bootstrapServers=" + bootstrapServers + ", fetchMaxWaitMs=" + fetchMaxWaitMs
                + ", fetchMinBytes=" + fetchMinBytes + ", fetchMaxBytes=" + fetchMaxBytes + ", maxPartitionFetchBytes="
                + maxPartitionFetchBytes + ", requestTimeoutMs=" + requestTimeoutMs + ", autoOffsetReset="
                + autoOffsetReset + ", maxPollRecords=" + maxPollRecords + ")";
    }

    public static final class Builder {
        private List<String> bootstrapServers = List.of("127.0.0.1:9092");
        private int fetchMaxWaitMs = 500;
        private int fetchMinBytes = 1;
        private int fetchMaxBytes = 52_428_800;
        private int maxPartitionFetchBytes = 1_048_576;
        private int requestTimeoutMs = 30_000;
        private AutoOffsetReset autoOffsetReset = AutoOffsetReset.LATEST;
        private int maxPollRecords = 500;
        private long retryBackoffMs = 100;
        private boolean checkCrcs = true;
        private String groupId;
        private String groupInstanceId;
        private boolean enableAutoCommit = true;
        private int autoCommitIntervalMs = 5_000;
        private int rebalanceTimeoutMs = 300_000;
        private String serverAssignor = "";

        private Builder() {
        }

        public Builder bootstrapServers(List<String> servers) {
            this.bootstrapServers = servers == null ? null : List.copyOf(servers);
            return this;
        }

        public Builder bootstrapServers(String... servers) {
            return bootstrapServers(List.of(servers));
        }

        /** Longest a fetch waits on the broker for fetchMinBytes (long poll). */
        public Builder fetchMaxWaitMs(int fetchMaxWaitMs) {
            this.fetchMaxWaitMs = fetchMaxWaitMs;
            return this;
        }

        public Builder fetchMinBytes(int fetchMinBytes) {
            this.fetchMinBytes = fetchMinBytes;
            return this;
        }

        public Builder fetchMaxBytes(int fetchMaxBytes) {
            this.fetchMaxBytes = fetchMaxBytes;
            return this;
        }

        public Builder maxPartitionFetchBytes(int maxPartitionFetchBytes) {
            this.maxPartitionFetchBytes = maxPartitionFetchBytes;
            return this;
        }

        public Builder requestTimeoutMs(int requestTimeoutMs) {
            this.requestTimeoutMs = requestTimeoutMs;
            return this;
        }

        public Builder autoOffsetReset(AutoOffsetReset autoOffsetReset) {
            this.autoOffsetReset = autoOffsetReset;
            return this;
        }

        /** Most records one {@code poll} returns; default 500. */
        public Builder maxPollRecords(int maxPollRecords) {
            this.maxPollRecords = maxPollRecords;
            return this;
        }

        public Builder retryBackoffMs(long retryBackoffMs) {
            this.retryBackoffMs = retryBackoffMs;
            return this;
        }

        /** Verify each fetched batch's CRC32C (default true). */
        public Builder checkCrcs(boolean checkCrcs) {
            this.checkCrcs = checkCrcs;
            return this;
        }

        public Builder groupId(String groupId) {
            this.groupId = groupId;
            return this;
        }

        public Builder groupInstanceId(String groupInstanceId) {
            this.groupInstanceId = groupInstanceId;
            return this;
        }

        /** Default true: at-least-once (a record is committed once the poll after the one that returned it runs). */
        public Builder enableAutoCommit(boolean enableAutoCommit) {
            this.enableAutoCommit = enableAutoCommit;
            return this;
        }

        public Builder autoCommitIntervalMs(int autoCommitIntervalMs) {
            this.autoCommitIntervalMs = autoCommitIntervalMs;
            return this;
        }

        public Builder rebalanceTimeoutMs(int rebalanceTimeoutMs) {
            this.rebalanceTimeoutMs = rebalanceTimeoutMs;
            return this;
        }

        public Builder serverAssignor(String serverAssignor) {
            this.serverAssignor = serverAssignor == null ? "" : serverAssignor;
            return this;
        }

        /** @throws ConfigException naming the first invalid value */
        public ConsumerConfig build() {
            BrokerAddress.parseAll(bootstrapServers);
            if (fetchMaxWaitMs < 0) {
                throw new ConfigException("fetchMaxWaitMs", fetchMaxWaitMs, "must be >= 0");
            }
            if (fetchMinBytes < 0) {
                throw new ConfigException("fetchMinBytes", fetchMinBytes, "must be >= 0");
            }
            if (fetchMaxBytes < 1) {
                throw new ConfigException("fetchMaxBytes", fetchMaxBytes, "must be >= 1");
            }
            if (maxPartitionFetchBytes < 1) {
                throw new ConfigException("maxPartitionFetchBytes", maxPartitionFetchBytes, "must be >= 1");
            }
            if (requestTimeoutMs < 1) {
                throw new ConfigException("requestTimeoutMs", requestTimeoutMs, "must be >= 1");
            }
            if (autoOffsetReset == null) {
                throw new ConfigException("autoOffsetReset", null, "must be EARLIEST, LATEST or NONE");
            }
            if (maxPollRecords < 1) {
                throw new ConfigException("maxPollRecords", maxPollRecords, "must be >= 1");
            }
            if (retryBackoffMs < 0) {
                throw new ConfigException("retryBackoffMs", retryBackoffMs, "must be >= 0");
            }
            if (groupId != null && (groupId.isEmpty() || groupId.length() > 255)) {
                throw new ConfigException("groupId", groupId, "must be 1-255 characters");
            }
            if (groupInstanceId != null && groupInstanceId.isEmpty()) {
                throw new ConfigException("groupInstanceId", groupInstanceId, "must not be empty");
            }
            if (autoCommitIntervalMs < 1) {
                throw new ConfigException("autoCommitIntervalMs", autoCommitIntervalMs, "must be >= 1");
            }
            if (rebalanceTimeoutMs < 1) {
                throw new ConfigException("rebalanceTimeoutMs", rebalanceTimeoutMs, "must be >= 1");
            }
            Objects.requireNonNull(autoOffsetReset);
            return new ConsumerConfig(this);
        }
    }
}
