package io.tributary.cli;

import io.tributary.client.Admin;
import io.tributary.client.OffsetAndMetadata;
import io.tributary.proto.TopicPartition;
import io.tributary.proto.v1.DescribedGroup;
import io.tributary.proto.v1.DescribedMember;
import io.tributary.proto.v1.TopicPartitions;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tributary group list|describe|reset-offsets|delete}. */
@Command(name = "group", mixinStandardHelpOptions = true,
        description = "List, describe (members, offsets, lag), reset the offsets of, and delete consumer groups.",
        subcommands = {GroupCommand.ListGroups.class, GroupCommand.Describe.class, GroupCommand.ResetOffsets.class,
            GroupCommand.Delete.class})
final class GroupCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the cluster's consumer groups.")
    static final class ListGroups implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Override
        public Integer call() {
            try (Admin admin = Admin.create(cluster.servers())) {
                Table table = new Table("GROUP", "STATE", "COORDINATOR");
                admin.listGroups().forEach(g -> table.row(g.groupId(), g.state(), g.coordinatorId()));
                System.out.print(table);
            }
            return TributaryCli.EXIT_OK;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "A group's state and members, and per partition: owner, committed offset, log end, "
                    + "lag in records and in seconds (the age of the oldest record not yet consumed).")
    static final class Describe implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Option(names = "--group", required = true)
        String group;

        @Override
        public Integer call() {
            try (Admin admin = Admin.create(cluster.servers())) {
                DescribedGroup described = admin.describeGroup(group);
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listGroupOffsets(group);
                PrintStream out = System.out;
                out.printf("GROUP %s  STATE %s  EPOCH %d  ASSIGNOR %s  MEMBERS %d%n%n", group, described.getState(),
                        described.getGroupEpoch(), described.getAssignor().isEmpty() ? "-" : described.getAssignor(),
                        described.getMembersCount());
                Map<TopicPartition, DescribedMember> owners = new TreeMap<>();
                for (DescribedMember member : described.getMembersList()) {
                    for (TopicPartitions topic : member.getAssignmentList()) {
                        topic.getPartitionsList().forEach(p -> owners.put(new TopicPartition(topic.getTopic(), p), member));
                    }
                }
                TreeSet<TopicPartition> partitions = new TreeSet<>(committed.keySet());
                partitions.addAll(owners.keySet());
                long nowMs = System.currentTimeMillis();
                Table table = new Table("TOPIC", "PARTITION", "MEMBER", "INSTANCE", "COMMITTED", "LOG-END", "LAG",
                        "LAG-SECONDS");
                for (TopicPartition tp : partitions) {
                    GroupLag lag = GroupLag.of(admin, tp, committed.get(tp), nowMs);
                    DescribedMember owner = owners.get(tp);
                    table.row(tp.topic(), tp.partition(), owner == null ? "-" : owner.getMemberId(),
                            owner == null || owner.getInstanceId().isEmpty() ? "-" : owner.getInstanceId(),
                            lag.committed() < 0 ? "-" : lag.committed(), lag.logEnd(), lag.records(),
                            String.format("%.1f", lag.seconds()));
                }
                out.print(table);
            }
            return TributaryCli.EXIT_OK;
        }
    }

    @Command(name = "reset-offsets", mixinStandardHelpOptions = true,
            description = "Set a group's committed offsets for a topic (the group must have no active members). "
                    + "Prints the new offsets; --dry-run changes nothing.")
    static final class ResetOffsets implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Option(names = "--group", required = true)
        String group;

        @Option(names = "--topic", required = true)
        String topic;

        @Option(names = "--partition", description = "Only this partition (default: all).")
        Integer partition;

        static final class Target {
            @Option(names = "--to-earliest", description = "The log start offset.")
            boolean earliest;

            @Option(names = "--to-latest", description = "The log end offset.")
            boolean latest;

            @Option(names = "--to-offset", paramLabel = "N", description = "Offset N (kept within the log).")
            Long offset;

            @Option(names = "--to-datetime", paramLabel = "TIME",
                    description = "The first record at or after TIME (ISO-8601 instant or epoch milliseconds).")
            String datetime;

            @Option(names = "--shift-by", paramLabel = "N", description = "The committed offset plus N (may be negative).")
            Long shiftBy;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Option(names = "--dry-run", description = "Show the new offsets without committing them.")
        boolean dryRun;

        @Override
        public Integer call() {
            List<TopicPartition> partitions = TopicSupport.partitions(cluster.servers(), topic, partition);
            long timeMs = target.datetime == null ? -1 : ConsumeCommand.parseTime(target.datetime);
            try (Admin admin = Admin.create(cluster.servers())) {
                Map<TopicPartition, OffsetAndMetadata> current = admin.listGroupOffsets(group);
                Map<TopicPartition, OffsetAndMetadata> next = new LinkedHashMap<>();
                Table table = new Table("TOPIC", "PARTITION", "CURRENT", "NEW");
                for (TopicPartition tp : partitions) {
                    long start = admin.listOffsets(tp, Admin.EARLIEST);
                    long end = admin.listOffsets(tp, Admin.LATEST);
                    OffsetAndMetadata was = current.get(tp);
                    long wanted;
                    if (target.earliest) {
                        wanted = start;
                    } else if (target.latest) {
                        wanted = end;
                    } else if (target.offset != null) {
                        wanted = target.offset;
                    } else if (timeMs >= 0) {
                        long found = admin.listOffsets(tp, timeMs);
                        wanted = found < 0 ? end : found;
                    } else {
                        if (was == null) {
                            throw new IllegalArgumentException("group " + group + " has no committed offset for "
                                    + tp + " to shift");
                        }
                        wanted = was.offset() + target.shiftBy;
                    }
                    long clamped = Math.max(start, Math.min(end, wanted)); // as Kafka's tool does
                    next.put(tp, new OffsetAndMetadata(clamped));
                    table.row(tp.topic(), tp.partition(), was == null ? "-" : was.offset(), clamped);
                }
                if (!dryRun) {
                    admin.alterGroupOffsets(group, next);
                }
                System.out.print(table);
                if (dryRun) {
                    System.out.println("(dry run: nothing committed)");
                }
            }
            return TributaryCli.EXIT_OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a group with no active members, and its committed offsets.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster;

        @Option(names = "--group", required = true)
        String group;

        @Override
        public Integer call() {
            try (Admin admin = Admin.create(cluster.servers())) {
                admin.deleteGroup(group);
                System.out.println("Deleted group " + group + ".");
            }
            return TributaryCli.EXIT_OK;
        }
    }
}
