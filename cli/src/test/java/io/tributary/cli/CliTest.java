package io.tributary.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.testkit.TributaryExtension;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The CLI against a real node: output a user reads and exit codes a script relies on. */
class CliTest {
    @RegisterExtension
    static final TributaryExtension tributary = TributaryExtension.singleNode();

    private record Result(int exitCode, String out, String err) {
    }

    private Result run(String stdin, String... args) {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        InputStream originalIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            String[] withBootstrap = new String[args.length + 2];
            System.arraycopy(args, 0, withBootstrap, 0, args.length);
            withBootstrap[args.length] = "--bootstrap";
            withBootstrap[args.length + 1] = tributary.bootstrapServers();
            int exit = TributaryCli.commandLine().execute(withBootstrap);
            return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
            System.setIn(originalIn);
        }
    }

    /** Issue 12: a consumer in a group, and the group commands: list, describe with lag, reset-offsets, delete. */
    @Test
    void groupsFromTheCommandLine() {
        assertThat(run("", "topic", "create", "--topic", "ledger", "--partitions", "2").exitCode()).isZero();
        assertThat(run("k1:a\nk2:b\nk3:c\nk4:d\n", "produce", "--topic", "ledger", "--key-separator", ":").exitCode()).isZero();

        Result member = run("", "consume", "--topic", "ledger", "--group", "readers", "--from-beginning", "--max-messages", "4");
        assertThat(member.exitCode()).as(member.err()).isZero();
        assertThat(member.out().lines()).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(run("", "group", "list").out()).containsPattern("readers\\s+empty");

        assertThat(run("e\nf\n", "produce", "--topic", "ledger").exitCode()).isZero();
        Result described = run("", "group", "describe", "--group", "readers");
        assertThat(described.exitCode()).as(described.err()).isZero();
        assertThat(described.out()).contains("STATE empty", "LAG-SECONDS");
        long lag = described.out().lines().filter(l -> l.startsWith("ledger")).mapToLong(l -> Long.parseLong(l.split("\\s+")[6])).sum();
        assertThat(lag).as("the two records produced after the group read").isEqualTo(2);

        Result dryRun = run("", "group", "reset-offsets", "--group", "readers", "--topic", "ledger", "--to-earliest", "--dry-run");
        assertThat(dryRun.out()).contains("(dry run: nothing committed)");
        assertThat(committedColumn(run("", "group", "describe", "--group", "readers").out()))
                .as("a dry run commits nothing").isEqualTo(committedColumn(described.out()));
        Result reset = run("", "group", "reset-offsets", "--group", "readers", "--topic", "ledger", "--to-earliest");
        assertThat(reset.exitCode()).as(reset.err()).isZero();
        Result again = run("", "consume", "--topic", "ledger", "--group", "readers", "--max-messages", "6");
        assertThat(again.out().lines()).as("everything again, from the reset offsets").hasSize(6);

        assertThat(run("", "consume", "--topic", "ledger", "--group", "readers", "--offset", "1").exitCode())
                .as("--offset does not apply to a group member").isNotZero();
        Result deleted = run("", "group", "delete", "--group", "readers");
        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        Result gone = run("", "group", "describe", "--group", "readers");
        assertThat(gone.exitCode()).isEqualTo(TributaryCli.EXIT_REQUEST_FAILED);
        assertThat(gone.err()).contains("GROUP_ID_NOT_FOUND");
    }

    private static List<String> committedColumn(String describe) {
        return describe.lines().filter(l -> l.startsWith("ledger")).map(l -> l.split("\\s+")[4]).toList();
    }

    /** Issue 11: `consume --offset N` beyond the end printed nothing and exited 0. */
    @Test
    void consumeFromAnOffsetOutsideThePartitionSaysSoWithTheBounds() {
        assertThat(run("", "topic", "create", "--topic", "bounded", "--partitions", "1").exitCode()).isZero();
        assertThat(run("a\nb\nc\n", "produce", "--topic", "bounded").exitCode()).isZero();

        Result beyond = run("", "consume", "--topic", "bounded", "--offset", "7");
        assertThat(beyond.exitCode()).isEqualTo(TributaryCli.EXIT_REQUEST_FAILED);
        assertThat(beyond.err()).contains("offset 7 is out of range for bounded-0: it holds offsets 0 to 2 (the next is 3)");
        assertThat(beyond.out()).isEmpty();

        Result atEnd = run("", "consume", "--topic", "bounded", "--offset", "3");
        assertThat(atEnd.exitCode()).as("the next offset: nothing yet, not an error").isZero();
        Result inside = run("", "consume", "--topic", "bounded", "--offset", "1");
        assertThat(inside.exitCode()).as(inside.err()).isZero();
        assertThat(inside.out().lines()).containsExactly("b", "c");
        assertThat(run("", "consume", "--topic", "bounded", "--offset", "-1").exitCode())
                .as("below the log start").isEqualTo(TributaryCli.EXIT_REQUEST_FAILED);
    }

    /** Issue 11: DeleteRecords from the command line; consumers below the new start are told the bounds. */
    @Test
    void trimDeletesAPrefixAndConsumersSeeTheNewStart() {
        assertThat(run("", "topic", "create", "--topic", "trimmed", "--partitions", "1").exitCode()).isZero();
        assertThat(run("a\nb\nc\nd\n", "produce", "--topic", "trimmed").exitCode()).isZero();

        Result trimmed = run("", "topic", "trim", "--topic", "trimmed", "--partition", "0", "--before", "2");
        assertThat(trimmed.exitCode()).as(trimmed.err()).isZero();
        assertThat(trimmed.out()).contains("trimmed-0 now starts at offset 2");
        assertThat(run("", "consume", "--topic", "trimmed", "--from-beginning").out().lines()).containsExactly("c", "d");
        Result below = run("", "consume", "--topic", "trimmed", "--offset", "1");
        assertThat(below.exitCode()).isEqualTo(TributaryCli.EXIT_REQUEST_FAILED);
        assertThat(below.err()).contains("offset 1 is out of range for trimmed-0: it holds offsets 2 to 3");
        assertThat(run("", "topic", "describe", "--topic", "trimmed").out()).containsPattern("\\b2\\s+4\\s+4\\b");

        Result beyondHw = run("", "topic", "trim", "--topic", "trimmed", "--partition", "0", "--before", "9");
        assertThat(beyondHw.exitCode()).isEqualTo(TributaryCli.EXIT_REQUEST_FAILED);
        assertThat(beyondHw.err()).contains("OFFSET_OUT_OF_RANGE");
        assertThat(run("", "topic", "trim", "--topic", "trimmed", "--partition", "0", "--before", "soon").exitCode())
                .isEqualTo(TributaryCli.EXIT_USAGE);
        Result all = run("", "topic", "trim", "--topic", "trimmed", "--partition", "0", "--before", "hw");
        assertThat(all.out()).contains("now starts at offset 4");
    }

    /** Issue 11: consume from a point in time, through the broker's timestamp index. */
    @Test
    void consumeFromATimeStartsAtTheFirstRecordAtOrAfterIt() {
        assertThat(run("", "topic", "create", "--topic", "timed", "--partitions", "2").exitCode()).isZero();
        assertThat(run("old1\nold2\n", "produce", "--topic", "timed").exitCode()).isZero();
        long before = System.currentTimeMillis();
        await().until(() -> System.currentTimeMillis() > before); // the next records get a later timestamp
        long from = System.currentTimeMillis();
        assertThat(run("new1\nnew2\nnew3\n", "produce", "--topic", "timed").exitCode()).isZero();

        Result byMillis = run("", "consume", "--topic", "timed", "--from-time", Long.toString(from));
        assertThat(byMillis.exitCode()).as(byMillis.err()).isZero();
        assertThat(byMillis.out().lines()).containsExactlyInAnyOrder("new1", "new2", "new3");
        Result byInstant = run("", "consume", "--topic", "timed", "--from-time",
                java.time.Instant.ofEpochMilli(from).toString());
        assertThat(byInstant.out().lines()).containsExactlyInAnyOrder("new1", "new2", "new3");
        Result future = run("", "consume", "--topic", "timed", "--from-time", "2999-01-01T00:00:00Z");
        assertThat(future.exitCode()).isZero();
        assertThat(future.out()).isEmpty();
        Result garbled = run("", "consume", "--topic", "timed", "--from-time", "yesterday");
        assertThat(garbled.exitCode()).isEqualTo(TributaryCli.EXIT_USAGE);
        assertThat(garbled.err()).contains("--from-time 'yesterday' is neither an ISO-8601 instant");
    }

    @Test
    void topicLifecycleProduceAndConsume() {
        Result created = run("", "topic", "create", "--topic", "orders", "--partitions", "2", "--config", "flush.ms=500");
        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(created.out()).contains("Created topic orders");

        assertThat(run("", "topic", "list").out()).contains("orders");

        Result produced = run("alice:hello\nbob:world\nno separator here\n", "produce", "--topic", "orders",
                "--key-separator", ":");
        assertThat(produced.exitCode()).as(produced.err()).isZero();
        assertThat(produced.err()).contains("Produced 3 records to orders");

        Result consumed = run("", "consume", "--topic", "orders", "--from-beginning", "--print-key", "--key-separator", "=");
        assertThat(consumed.exitCode()).as(consumed.err()).isZero();
        assertThat(consumed.out().lines()).containsExactlyInAnyOrder("alice=hello", "bob=world", "null=no separator here");

        Result described = run("", "topic", "describe", "--topic", "orders");
        assertThat(described.exitCode()).isZero();
        assertThat(described.out()).contains("PARTITION", "LEADER", "HIGH WATERMARK", "flush.ms=500", "flush.policy=ack");

        Result deleted = run("", "topic", "delete", "--topic", "orders");
        assertThat(deleted.exitCode()).isZero();
        assertThat(run("", "topic", "list").out()).doesNotContain("orders");
    }

    @Test
    void clusterDescribeAndTopicAlter() {
        Result described = run("", "cluster", "describe");
        assertThat(described.exitCode()).as(described.err()).isZero();
        assertThat(described.out()).contains("active controller: node 1", "leader (active controller)", "alive");

        assertThat(run("", "topic", "create", "--topic", "tuned").exitCode()).isZero();
        Result altered = run("", "topic", "alter", "--topic", "tuned", "--config", "retention.ms=1000");
        assertThat(altered.exitCode()).as(altered.err()).isZero();
        assertThat(run("", "topic", "describe", "--topic", "tuned").out()).contains("retention.ms=1000");
        Result reset = run("", "topic", "alter", "--topic", "tuned", "--delete-config", "retention.ms");
        assertThat(reset.exitCode()).as(reset.err()).isZero();
        assertThat(run("", "topic", "describe", "--topic", "tuned").out()).contains("retention.ms=604800000");

        Result bad = run("", "topic", "alter", "--topic", "tuned", "--config", "retention.ms=later");
        assertThat(bad.exitCode()).isEqualTo(TributaryCli.EXIT_REQUEST_FAILED);
        assertThat(bad.err()).contains("INVALID_CONFIG");
        assertThat(run("", "topic", "alter", "--topic", "tuned").exitCode()).isEqualTo(TributaryCli.EXIT_USAGE);

        int before = run("", "topic", "describe", "--topic", "tuned").out().split("\n").length;
        Result grown = run("", "topic", "alter", "--topic", "tuned", "--partitions", "5");
        assertThat(grown.exitCode()).as(grown.err()).isZero();
        assertThat(grown.out()).contains("now has 5 partitions");
        Result shrink = run("", "topic", "alter", "--topic", "tuned", "--partitions", "2");
        assertThat(shrink.exitCode()).isEqualTo(TributaryCli.EXIT_REQUEST_FAILED);
        assertThat(shrink.err()).contains("INVALID_PARTITIONS");
        assertThat(run("", "topic", "describe", "--topic", "tuned").out().split("\n").length).isGreaterThan(before);
    }

    /** Issue 11: produce compresses with --compression; consume reads any codec; an unknown codec is refused. */
    @Test
    void produceCompressesWithEachCodecAndConsumeReadsItBack() {
        assertThat(run("", "topic", "create", "--topic", "squeezed", "--partitions", "1").exitCode()).isZero();
        for (String codec : new String[] {"gzip", "snappy", "lz4", "zstd", "none"}) {
            Result produced = run(codec + "-1\n" + codec + "-2\n", "produce", "--topic", "squeezed", "--compression", codec);
            assertThat(produced.exitCode()).as(produced.err()).isZero();
        }
        assertThat(run("", "consume", "--topic", "squeezed", "--from-beginning").out().lines()).containsExactly(
                "gzip-1", "gzip-2", "snappy-1", "snappy-2", "lz4-1", "lz4-2", "zstd-1", "zstd-2", "none-1", "none-2");

        Result unknown = run("lost?\n", "produce", "--topic", "squeezed", "--compression", "brotli");
        assertThat(unknown.exitCode()).isEqualTo(TributaryCli.EXIT_USAGE);
        assertThat(unknown.err()).contains("unknown compression type 'brotli', expected one of none, gzip, snappy, lz4, zstd");
        assertThat(run("", "consume", "--topic", "squeezed", "--from-beginning").out().lines()).hasSize(10);
        Result badTopicCodec = run("", "topic", "create", "--topic", "odd", "--config", "compression.type=brotli");
        assertThat(badTopicCodec.exitCode()).isEqualTo(TributaryCli.EXIT_REQUEST_FAILED);
        assertThat(badTopicCodec.err()).contains("compression.type").contains("[gzip, lz4, producer, snappy, uncompressed, zstd]");
    }

    @Test
    void consumeFromAnOffset() {
        assertThat(run("", "topic", "create", "--topic", "numbers").exitCode()).isZero();
        assertThat(run("1\n2\n3\n4\n5\n", "produce", "--topic", "numbers").exitCode()).isZero();
        Result fromThree = run("", "consume", "--topic", "numbers", "--partition", "0", "--offset", "3", "--print-offsets");
        assertThat(fromThree.out().lines()).containsExactly("0@3 4", "0@4 5");
    }

    @Test
    void errorsHaveMeaningfulExitCodes() {
        Result invalid = run("", "topic", "create", "--topic", "bad name");
        assertThat(invalid.exitCode()).isEqualTo(TributaryCli.EXIT_REQUEST_FAILED);
        assertThat(invalid.err()).contains("INVALID_TOPIC_NAME");

        Result unknown = run("", "topic", "describe", "--topic", "missing");
        assertThat(unknown.exitCode()).isEqualTo(TributaryCli.EXIT_REQUEST_FAILED);
        assertThat(unknown.err()).contains("UNKNOWN_TOPIC_OR_PARTITION");

        Result outOfRange = run("", "consume", "--topic", "missing");
        assertThat(outOfRange.exitCode()).isEqualTo(TributaryCli.EXIT_REQUEST_FAILED);

        assertThat(run("", "topic", "create").exitCode()).isEqualTo(TributaryCli.EXIT_USAGE);
    }

    @Test
    void unreachableClusterExitsWithThree() {
        PrintStream originalErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = TributaryCli.commandLine().execute("topic", "list", "--bootstrap", "127.0.0.1:1");
            assertThat(exit).isEqualTo(TributaryCli.EXIT_UNREACHABLE);
        } finally {
            System.setErr(originalErr);
        }
    }
}
