package io.tributary.client;

import io.tributary.client.internal.BrokerAddress;
import io.tributary.record.CompressionType;
import java.util.List;

/** Producer settings; build with {@link #builder()}. Values are validated by {@link Builder#build()}. */
public final class ProducerConfig {
    private final List<String> bootstrapServers;
    private final int acks;
    private final long lingerMs;
    private final int batchSize;
    private final int maxInFlightRequestsPerConnection;
    private final int requestTimeoutMs;
    private final int deliveryTimeoutMs;
    private final long bufferMemory;
    private final long maxBlockMs;
    private final int maxRequestSize;
    private final long retryBackoffMs;
    private final long metadataMaxAgeMs;
    private final Partitioner partitioner;
    private final boolean enableIdempotence;
    private final CompressionType compression;

    private ProducerConfig(Builder b) {
        this.bootstrapServers = List.copyOf(b.bootstrapServers);
        this.acks = b.acks;
        this.lingerMs = b.lingerMs;
        this.batchSize = b.batchSize;
        this.maxInFlightRequestsPerConnection = b.maxInFlightRequestsPerConnection;
        this.requestTimeoutMs = b.requestTimeoutMs;
        this.deliveryTimeoutMs = b.deliveryTimeoutMs;
        this.bufferMemory = b.bufferMemory;
        this.maxBlockMs = b.maxBlockMs;
        this.maxRequestSize = b.maxRequestSize;
        this.retryBackoffMs = b.retryBackoffMs;
        this.metadataMaxAgeMs = b.metadataMaxAgeMs;
        this.partitioner = b.partitioner;
        this.enableIdempotence = b.enableIdempotence;
        this.compression = b.compression;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<String> bootstrapServers() {
        return bootstrapServers;
    }

    public int acks() {
        return acks;
    }

    public long lingerMs() {
        return lingerMs;
    }

    public int batchSize() {
        return batchSize;
    }

    public CompressionType compression() {
        return compression;
    }

    public int maxInFlightRequestsPerConnection() {
        return maxInFlightRequestsPerConnection;
    }

    public int requestTimeoutMs() {
        return requestTimeoutMs;
    }

    public int deliveryTimeoutMs() {
        return deliveryTimeoutMs;
    }

    public long bufferMemory() {
        return bufferMemory;
    }

    public long maxBlockMs() {
        return maxBlockMs;
    }

    public int maxRequestSize() {
        return maxRequestSize;
    }

    public long retryBackoffMs() {
        return retryBackoffMs;
    }

    public long metadataMaxAgeMs() {
        return metadataMaxAgeMs;
    }

    /** The configured partitioner, or null for a new {@link DefaultPartitioner} per producer. */
    public Partitioner partitioner() {
        return partitioner;
    }

    /** Whether batches carry a producer id and sequences so retries never duplicate (default true). */
    public boolean enableIdempotence() {
        return enableIdempotence;
    }

    @Override
    public String toString() {
        return "ProducerConfig(bootstrapServers=" + bootstrapServers + ", acks=" + acks + ", lingerMs=" + lingerMs
                + ", batchSize=" + batchSize + ", maxInFlightRequestsPerConnection=" + maxInFlightRequestsPerConnection
                + ", requestTimeoutMs=" + requestTimeoutMs + ", deliveryTimeoutMs=" + deliveryTimeoutMs
                + ", bufferMemory=" + bufferMemory + ", maxBlockMs=" + maxBlockMs + ", maxRequestSize=" + maxRequestSize
                + ", retryBackoffMs=" + retryBackoffMs + ", enableIdempotence=" + enableIdempotence
                + ", compression=" + compression.configName + ")";
    }

    public static final class Builder {
        private List<String> bootstrapServers = List.of("127.0.0.1:9092");
        private int acks = -1;
        private long lingerMs = 5;
        private int batchSize = 65536;
        private int maxInFlightRequestsPerConnection = 5;
        private int requestTimeoutMs = 30_000;
        private int deliveryTimeoutMs = 120_000;
        private long bufferMemory = 32L << 20; // Kafka's default: deep queues only add latency
        private long maxBlockMs = 60_000;
        private int maxRequestSize = 1_048_576;
        private long retryBackoffMs = 100;
        private long metadataMaxAgeMs = 300_000;
        private Partitioner partitioner;
        private boolean enableIdempotence = true;
        private CompressionType compression = CompressionType.NONE;

        private Builder() {
        }

        /** {@code host:port} addresses to bootstrap from; default {@code 127.0.0.1:9092}. */
        public Builder bootstrapServers(List<String> servers) {
            this.bootstrapServers = servers == null ? null : List.copyOf(servers);
            return this;
        }

        public Builder bootstrapServers(String... servers) {
            return bootstrapServers(List.of(servers));
        }

        /** -1 (all in-sync replicas, the default), 0 (no acknowledgement) or 1 (leader only). */
        public Builder acks(int acks) {
            this.acks = acks;
            return this;
        }

        public Builder lingerMs(long lingerMs) {
            this.lingerMs = lingerMs;
            return this;
        }

        /** Target size of a record batch in bytes. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * The codec batches are compressed with (Kafka's compression.type; default none). The batch
         * size then counts compressed bytes, estimated per topic from the batches built before.
         */
        public Builder compression(CompressionType compression) {
            this.compression = compression;
            return this;
        }

        public Builder maxInFlightRequestsPerConnection(int maxInFlight) {
            this.maxInFlightRequestsPerConnection = maxInFlight;
            return this;
        }

        public Builder requestTimeoutMs(int requestTimeoutMs) {
            this.requestTimeoutMs = requestTimeoutMs;
            return this;
        }

        /** Upper bound from {@code send} to success or failure, retries included. */
        public Builder deliveryTimeoutMs(int deliveryTimeoutMs) {
            this.deliveryTimeoutMs = deliveryTimeoutMs;
            return this;
        }

        /** Bytes of unsent and in-flight batches; {@code send} blocks up to maxBlockMs when it is used up. */
        public Builder bufferMemory(long bufferMemory) {
            this.bufferMemory = bufferMemory;
            return this;
        }

        /** Longest {@code send} and {@code partitionsFor} block for metadata or buffer space. */
        public Builder maxBlockMs(long maxBlockMs) {
            this.maxBlockMs = maxBlockMs;
            return this;
        }

        /** Largest produce request (and so largest record) in bytes. */
        public Builder maxRequestSize(int maxRequestSize) {
            this.maxRequestSize = maxRequestSize;
            return this;
        }

        /** Pause before retrying a failed request or refreshing metadata again; default 100. */
        public Builder retryBackoffMs(long retryBackoffMs) {
            this.retryBackoffMs = retryBackoffMs;
            return this;
        }

        /** Metadata older than this is refreshed even without errors; default 300000. */
        public Builder metadataMaxAgeMs(long metadataMaxAgeMs) {
            this.metadataMaxAgeMs = metadataMaxAgeMs;
            return this;
        }

        /** The partitioner for records without a partition; default {@link DefaultPartitioner}. */
        public Builder partitioner(Partitioner partitioner) {
            this.partitioner = partitioner;
            return this;
        }

        /**
         * Idempotent delivery (default true, as Kafka's {@code enable.idempotence}): the producer gets
         * a producer id from the cluster and numbers each partition's batches, so retries of
         * indefinite failures (timeouts, transport errors) never write a record twice. Requires
         * acks=-1 and maxInFlightRequestsPerConnection <= 5.
         */
        public Builder enableIdempotence(boolean enableIdempotence) {
            this.enableIdempotence = enableIdempotence;
            return this;
        }

        /** @throws ConfigException naming the first invalid value */
        public ProducerConfig build() {
            BrokerAddress.parseAll(bootstrapServers);
            if (acks != -1 && acks != 0 && acks != 1) {
                throw new ConfigException("acks", acks, "must be -1 (all), 0 or 1");
            }
            if (enableIdempotence && acks != -1) {
                throw new ConfigException("acks", acks, "must be -1 (all) when enableIdempotence is true");
            }
            if (lingerMs < 0) {
                throw new ConfigException("lingerMs", lingerMs, "must be >= 0");
            }
            if (batchSize < 1) {
                throw new ConfigException("batchSize", batchSize, "must be >= 1");
            }
            if (compression == null) {
                throw new ConfigException("compression", null, "must be one of none, gzip, snappy, lz4, zstd");
            }
            if (maxInFlightRequestsPerConnection < 1) {
                throw new ConfigException("maxInFlightRequestsPerConnection", maxInFlightRequestsPerConnection,
                        "must be >= 1");
            }
            if (enableIdempotence && maxInFlightRequestsPerConnection > 5) {
                throw new ConfigException("maxInFlightRequestsPerConnection", maxInFlightRequestsPerConnection,
                        "must be <= 5 when enableIdempotence is true");
            }
            if (requestTimeoutMs < 1) {
                throw new ConfigException("requestTimeoutMs", requestTimeoutMs, "must be >= 1");
            }
            if (deliveryTimeoutMs < 1) {
                throw new ConfigException("deliveryTimeoutMs", deliveryTimeoutMs, "must be >= 1");
            }
            if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
                throw new ConfigException("deliveryTimeoutMs", deliveryTimeoutMs,
                        "must be >= lingerMs + requestTimeoutMs (" + (lingerMs + requestTimeoutMs) + ")");
            }
            if (bufferMemory < 1) {
                throw new ConfigException("bufferMemory", bufferMemory, "must be >= 1");
            }
            if (maxBlockMs < 0) {
                throw new ConfigException("maxBlockMs", maxBlockMs, "must be >= 0");
            }
            if (maxRequestSize < 1) {
                throw new ConfigException("maxRequestSize", maxRequestSize, "must be >= 1");
            }
            if (retryBackoffMs < 0) {
                throw new ConfigException("retryBackoffMs", retryBackoffMs, "must be >= 0");
            }
            if (metadataMaxAgeMs < 0) {
                throw new ConfigException("metadataMaxAgeMs", metadataMaxAgeMs, "must be >= 0");
            }
            return new ProducerConfig(this);
        }
    }
}
