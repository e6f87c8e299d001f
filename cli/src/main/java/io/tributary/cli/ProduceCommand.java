package io.tributary.cli;

import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.client.RecordMetadata;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Reads lines from stdin and produces one record per line. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Produce one record per line of standard input (UTF-8). With --key-separator, the text before the first separator is the key.")
final class ProduceCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster;

    @Option(names = "--topic", required = true)
    String topic;

    @Option(names = "--key-separator", paramLabel = "SEP", description = "Split each line into key SEP value. Lines without SEP get a null key.")
    String keySeparator;

    @Option(names = "--partition", description = "Send every record to this partition instead of hashing the key.")
    Integer partition;

    @Option(names = "--acks", defaultValue = "-1", description = "-1 (all), 0 or 1. Default: ${DEFAULT-VALUE}")
    int acks;

    @Mixin
    CompressionOption compression = new CompressionOption();

    @Override
    public Integer call() throws Exception {
        if (keySeparator != null && keySeparator.isEmpty()) {
            throw new IllegalArgumentException("--key-separator must not be empty");
        }
        List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
        ProducerConfig config = ProducerConfig.builder().bootstrapServers(cluster.servers()).acks(acks)
                .enableIdempotence(acks == -1).compression(compression.type()).build();
        try (Producer producer = new Producer(config);
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                byte[] key = null;
                String value = line;
                int split = keySeparator == null ? -1 : line.indexOf(keySeparator);
                if (split >= 0) {
                    key = line.substring(0, split).getBytes(StandardCharsets.UTF_8);
                    value = line.substring(split + keySeparator.length());
                }
                sends.add(producer.send(new ProducerRecord(topic, partition, null, key,
                        value.getBytes(StandardCharsets.UTF_8), List.of())));
            }
            producer.flush();
        }
        int failed = 0;
        Throwable firstFailure = null;
        for (CompletableFuture<RecordMetadata> send : sends) {
            try {
                send.get();
            } catch (ExecutionException e) {
                failed++;
                firstFailure = firstFailure == null ? e.getCause() : firstFailure;
            }
        }
        System.err.printf("Produced %d records to %s%s.%n", sends.size() - failed, topic,
                failed > 0 ? " (" + failed + " failed)" : "");
        if (firstFailure != null) {
            System.err.println("error: " + firstFailure.getMessage());
            return TributaryCli.EXIT_REQUEST_FAILED;
        }
        return TributaryCli.EXIT_OK;
    }
}
