package io.tributary.cli;

import io.tributary.broker.config.NodeConfig;
import io.tributary.client.Admin;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerConfig;
import io.tributary.client.ConsumerRecord;
import io.tributary.client.Producer;
import io.tributary.client.ProducerConfig;
import io.tributary.client.ProducerRecord;
import io.tributary.client.RecordMetadata;
import io.tributary.client.TributaryException;
import io.tributary.proto.TopicPartition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts a single node in the background (unless one runs already on the data dir), then shows
 * records going through it: create a topic, produce keyed records, consume them back.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Start a single-node cluster in the background and show records going through it.")
final class QuickstartCommand implements Callable<Integer> {
    static final String PID_FILE = "node.pid";
    static final String LOG_FILE = "node.log";

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data", description = "Default: ./${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--port", defaultValue = "9092", description = "Client port. Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--controller-port", defaultValue = "9093", description = "Default: ${DEFAULT-VALUE}")
    int controllerPort;

    @Option(names = "--metrics-port", defaultValue = "9094", description = "Default: ${DEFAULT-VALUE}")
    int metricsPort;

    @Option(names = "--topic", defaultValue = "quickstart", description = "Default: ${DEFAULT-VALUE}")
    String topic;

    @Option(names = "--records", defaultValue = "300", description = "Default: ${DEFAULT-VALUE}")
    int records;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(dataDir);
        String bootstrap = "127.0.0.1:" + port;
        long pid = startNodeUnlessRunning();
        awaitReady(List.of(bootstrap), pid);

        TopicSupport.ensureTopic(List.of(bootstrap), topic, 3, Map.of());
        List<TopicPartition> partitions = TopicSupport.partitions(List.of(bootstrap), topic);
        Map<TopicPartition, Long> startOffsets = new HashMap<>();
        try (Admin admin = Admin.create(List.of(bootstrap))) {
            for (TopicPartition tp : partitions) {
                startOffsets.put(tp, admin.listOffsets(tp, -1L));
            }
        }

        System.out.printf("%nProducing %d keyed records to topic '%s'...%n", records, topic);
        List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
        try (Producer producer = new Producer(ProducerConfig.builder().bootstrapServers(bootstrap).build())) {
            for (int i = 0; i < records; i++) {
                byte[] key = ("user-" + (i % 10)).getBytes(StandardCharsets.UTF_8);
                byte[] value = ("event " + i + " from user-" + (i % 10)).getBytes(StandardCharsets.UTF_8);
                sends.add(producer.send(ProducerRecord.of(topic, key, value)));
            }
            producer.flush();
        }
        for (CompletableFuture<RecordMetadata> send : sends) {
            send.join(); // throws with the typed error if a send failed
        }
        System.out.printf("All %d acknowledged (fsynced).%n%nConsuming them back (partition@offset key: value):%n", records);

        int consumed = 0;
        try (Consumer consumer = new Consumer(ConsumerConfig.builder().bootstrapServers(bootstrap).build())) {
            consumer.assign(partitions);
            startOffsets.forEach(consumer::seek);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumed < records && System.nanoTime() < deadline) {
                for (ConsumerRecord record : consumer.poll(Duration.ofMillis(500))) {
                    System.out.printf("%d@%d %s: %s%n", record.partition(), record.offset(),
                            new String(record.key(), StandardCharsets.UTF_8), new String(record.value(), StandardCharsets.UTF_8));
                    consumed++;
                }
            }
        }
        System.out.printf("%nConsumed %d of %d records.%n", consumed, records);
        System.out.printf("%nTributary is running (pid %d): bootstrap %s, Kafka clients 127.0.0.1:%d, metrics "
                + "http://127.0.0.1:%d/metrics, log %s%n", pid, bootstrap, NodeConfig.KafkaListener.DEFAULT_PORT,
                metricsPort, dataDir.resolve(LOG_FILE));
        System.out.printf("Try: ./tributary topic describe --topic %s%s%nStop it with: ./tributary stop%s%n", topic,
                port == 9092 ? "" : " --bootstrap " + bootstrap,
                dataDir.equals(Path.of("data")) ? "" : " --data-dir " + dataDir);
        return consumed == records ? TributaryCli.EXIT_OK : TributaryCli.EXIT_REQUEST_FAILED;
    }

    private long startNodeUnlessRunning() throws IOException {
        Path pidFile = dataDir.resolve(PID_FILE);
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            Optional<ProcessHandle> running = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
            if (running.isPresent()) {
                System.out.println("A node started by quickstart is already running (pid " + pid + ").");
                return pid;
            }
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xms256m", "-Xmx1g", "--enable-native-access=ALL-UNNAMED",
                "-XX:+IgnoreUnrecognizedVMOptions", "-cp", System.getProperty("java.class.path"),
                TributaryCli.class.getName(), "server", "--dev", "--data-dir", dataDir.toString(),
                "--port", Integer.toString(port), "--controller-port", Integer.toString(controllerPort),
                "--metrics-port", Integer.toString(metricsPort)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve(LOG_FILE).toFile())).start();
        Files.writeString(pidFile, Long.toString(process.pid()));
        System.out.println("Started a Tributary node (pid " + process.pid() + "), data in "
                + dataDir.toAbsolutePath().normalize() + ", log in " + dataDir.resolve(LOG_FILE));
        return process.pid();
    }

    private void awaitReady(List<String> bootstrap, long pid) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        TributaryException last = null;
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
                throw new IOException("the node exited during start-up; see " + dataDir.resolve(LOG_FILE) + ":\n"
                        + tail(dataDir.resolve(LOG_FILE)));
            }
            try (Admin admin = Admin.create(bootstrap)) {
                admin.listTopics();
                return;
            } catch (TributaryException e) {
                last = e;
            }
            Thread.sleep(200); // a CLI waiting for a process to come up, not a test
        }
        throw new IOException("the node did not answer on " + bootstrap + " within 60 s"
                + (last == null ? "" : ": " + last.getMessage()));
    }

    private static String tail(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
