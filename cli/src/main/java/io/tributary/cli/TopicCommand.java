package io.tributary.cli;

import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.client.TopicResult;
import io.tributary.proto.v1.PartitionDescription;
import io.tributary.proto.v1.TopicDescription;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tributary topic create|list|describe|delete}. */
@Command(name = "topic", mixinStandardHelpOptions = true, description = "Create, list, describe and delete topics.",
        subcommands = {TopicCommand.Create.class, TopicCommand.ListTopics.class, TopicCommand.Describe.class,
            TopicCommand.Alter.class, TopicCommand.Delete.class, TopicCommand.Trim.class})
final class TopicCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
    static final class Create implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Option(names = "--topic", required = true, description = "Topic name: [a-zA-Z0-9._-], at most 249 characters.")
        String topic;

        @Option(names = "--partitions", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}")
        int partitions;

        @Option(names = "--replication-factor", defaultValue = "0", description = "0 = the broker default.")
        int replicationFactor;

        @Option(names = "--config", paramLabel = "KEY=VALUE", description = "Topic config, repeatable (e.g. --config flush.policy=interval).")
        Map<String, String> configs = new HashMap<>();

        @Option(names = "--if-not-exists", description = "Succeed if the topic exists already.")
        boolean ifNotExists;

        @Override
        public Integer call() {
            try (Admin admin = Admin.create(cluster.servers())) {
                TopicResult result = admin.createTopics(List.of(new NewTopic(topic, partitions, replicationFactor, configs))).get(0);
                if (!result.isSuccess()) {
                    if (ifNotExists && result.errorCode() == io.tributary.proto.v1.ErrorCode.TOPIC_ALREADY_EXISTS) {
                        System.out.println("Topic " + topic + " exists already.");
                        return TributaryCli.EXIT_OK;
                    }
                    throw result.exception();
                }
                System.out.println("Created topic " + topic + " (" + partitions + " partitions, id " + result.topicId() + ").");
                return TributaryCli.EXIT_OK;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List topic names.")
    static final class ListTopics implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Override
        public Integer call() {
            try (Admin admin = Admin.create(cluster.servers())) {
                admin.listTopics().stream().sorted().forEach(System.out::println);
                return TributaryCli.EXIT_OK;
            }
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show partitions (leader, replicas, ISR, epochs, offsets) and effective configs.")
    static final class Describe implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Option(names = "--topic", description = "Topic to describe; all topics when absent.")
        String topic;

        @Override
        public Integer call() {
            try (Admin admin = Admin.create(cluster.servers())) {
                List<TopicDescription> descriptions = admin.describeTopics(topic == null ? List.of() : List.of(topic));
                int exit = TributaryCli.EXIT_OK;
                for (TopicDescription description : descriptions) {
                    if (description.getErrorCode() != io.tributary.proto.v1.ErrorCode.NONE) {
                        System.err.println("error: " + description.getErrorCode() + ": " + description.getErrorMessage());
                        exit = TributaryCli.EXIT_REQUEST_FAILED;
                        continue;
                    }
                    System.out.print(format(description));
                }
                return exit;
            }
        }

        static String format(TopicDescription description) {
            StringBuilder out = new StringBuilder();
            out.append("Topic: ").append(description.getName()).append("  id: ").append(description.getTopicId())
                    .append("  partitions: ").append(description.getPartitionsCount()).append('\n');
            Table table = new Table("PARTITION", "LEADER", "LEADER EPOCH", "PARTITION EPOCH", "REPLICAS", "ISR", "START",
                    "END", "HIGH WATERMARK");
            for (PartitionDescription p : description.getPartitionsList()) {
                table.row(p.getPartition(), p.getLeaderId() < 0 ? "none" : p.getLeaderId(), p.getLeaderEpoch(),
                        p.getPartitionEpoch(), join(p.getReplicasList()),
                        join(p.getIsrList()), p.getLogStartOffset(), p.getLogEndOffset(), p.getHighWatermark());
            }
            out.append(table);
            out.append("Configs: ").append(new TreeMap<>(description.getConfigsMap()).entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "))).append("\n\n");
            return out.toString();
        }

        private static String join(List<Integer> ids) {
            return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
    }

    @Command(name = "alter", mixinStandardHelpOptions = true,
            description = "Set or remove topic configs, or grow the topic's partition count.")
    static final class Alter implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Option(names = "--topic", required = true)
        String topic;

        @Option(names = "--config", paramLabel = "KEY=VALUE", description = "Config to set, repeatable.")
        Map<String, String> set = new HashMap<>();

        @Option(names = "--delete-config", paramLabel = "KEY", description = "Config to remove (back to its default), repeatable.")
        List<String> delete = new java.util.ArrayList<>();

        @Option(names = "--partitions", paramLabel = "N",
                description = "The topic's new partition count (more than it has: a count never shrinks). Keyed records "
                        + "hash to other partitions from then on.")
        Integer partitions;

        @Override
        public Integer call() {
            if (set.isEmpty() && delete.isEmpty() && partitions == null) {
                throw new IllegalArgumentException("give --partitions N, or at least one --config KEY=VALUE or --delete-config KEY");
            }
            try (Admin admin = Admin.create(cluster.servers())) {
                if (partitions != null) {
                    admin.createPartitions(topic, partitions);
                    System.out.println("Topic " + topic + " now has " + partitions + " partitions.");
                }
                if (!set.isEmpty() || !delete.isEmpty()) {
                    admin.alterConfigs(topic, set, delete);
                    System.out.println("Updated configs of topic " + topic + ".");
                }
                return TributaryCli.EXIT_OK;
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a topic and all its data.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Option(names = "--topic", required = true)
        String topic;

        @Override
        public Integer call() {
            try (Admin admin = Admin.create(cluster.servers())) {
                TopicResult result = admin.deleteTopics(List.of(topic)).get(0);
                if (!result.isSuccess()) {
                    throw result.exception();
                }
                System.out.println("Deleted topic " + topic + ".");
                return TributaryCli.EXIT_OK;
            }
        }
    }

    @Command(name = "trim", mixinStandardHelpOptions = true,
            description = "Delete a partition's records below an offset (Kafka's DeleteRecords): they are no longer"
                    + " served, and whole segments below it are deleted on every replica. Offsets never change.")
    static final class Trim implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Option(names = "--topic", required = true)
        String topic;

        @Option(names = "--partition", required = true)
        int partition;

        @Option(names = "--before", required = true, paramLabel = "OFFSET",
                description = "Delete the records below this offset; 'hw' for every record consumers can read.")
        String before;

        @Override
        public Integer call() {
            long offset;
            if (before.equalsIgnoreCase("hw")) {
                offset = Admin.DELETE_TO_HIGH_WATERMARK;
            } else {
                try {
                    offset = Long.parseLong(before.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--before must be an offset >= 0 or 'hw', got '" + before + "'");
                }
                if (offset < 0) {
                    throw new IllegalArgumentException("--before must be an offset >= 0 or 'hw', got " + offset);
                }
            }
            try (Admin admin = Admin.create(cluster.servers())) {
                long start = admin.deleteRecords(new io.tributary.proto.TopicPartition(topic, partition), offset);
                System.out.println("Partition " + topic + "-" + partition + " now starts at offset " + start + ".");
                return TributaryCli.EXIT_OK;
            }
        }
    }
}
