package io.tributary.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.client.Admin;
import io.tributary.client.NewTopic;
import io.tributary.client.Producer;
import io.tributary.client.ProducerRecord;
import io.tributary.metadata.UnusedPorts;
import io.tributary.testkit.EmbeddedTributary;
import io.tributary.testkit.TributaryExtension;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What deploy/ ships for monitoring, checked against a running node: every metric the Grafana
 * dashboard and the alert rules name is one a node exports; Prometheus accepts the config and the
 * rules and the rules' own tests pass (promtool); a real Prometheus evaluates every dashboard query
 * without an error. The Prometheus parts need Debian's `prometheus` package (CI installs it;
 * elsewhere they are skipped, saying so, unless TRIBUTARY_PROMETHEUS_REQUIRED=1).
 */
class MonitoringConfigTest {
    private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
    private static final Path DASHBOARD = DEPLOY.resolve("grafana/dashboards/tributary.json");
    private static final Path PROMETHEUS = DEPLOY.resolve("prometheus");
    /** Metric names as our exporters spell them; PromQL functions and labels never start so. */
    private static final Pattern METRIC = Pattern.compile("\\b(?:tributary|jvm|process|system)_[a-z0-9_]+\\b");
    private static final Pattern EXPR = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern RULE_EXPR = Pattern.compile("^\\s*expr:\\s*(.+)$", Pattern.MULTILINE);

    @RegisterExtension
    static final TributaryExtension tributary = TributaryExtension.singleNode();

    private static String exposition;

    @BeforeAll
    static void nodeWithTraffic() throws Exception {
        EmbeddedTributary nodes = tributary.tributary();
        try (Admin admin = nodes.newAdmin(); Producer producer = nodes.newProducer()) {
            admin.createTopic(new NewTopic("monitored", 2, 1, Map.of()));
            producer.send(ProducerRecord.of("monitored", 0, null, "x".getBytes(StandardCharsets.UTF_8))).get();
        }
        // The GC pause timer appears with the first collection that the JVM reports (asynchronously).
        System.gc();
        int metricsPort = nodes.nodes().get(0).metricsPort();
        await("the GC pause timer in the exposition").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> scrape(metricsPort), text -> text.contains("jvm_gc_pause_seconds_count"));
        exposition = scrape(metricsPort);
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsNameIsExported() throws IOException {
        Set<String> exported = exposition.lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .map(line -> line.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
        List<String> queries = new ArrayList<>(dashboardQueries());
        queries.addAll(alertExpressions());
        Set<String> named = new TreeSet<>();
        for (String query : queries) {
            Matcher m = METRIC.matcher(query);
            while (m.find()) {
                named.add(m.group());
            }
        }
        assertThat(dashboardQueries()).as("dashboard queries").hasSizeGreaterThan(20);
        assertThat(named).as("metrics named by the dashboard and the alert rules")
                .contains("tributary_controller_active", "tributary_log_fsync_seconds", "process_resident_memory_bytes");
        assertThat(exported).as("metrics a running node exports").containsAll(named);
    }

    @Test
    void prometheusAcceptsTheConfigAndTheRulesAndTheRuleTestsPass() throws Exception {
        requirePrometheus();
        assertThat(run(PROMETHEUS, "promtool", "check", "config", "prometheus.yml")).contains("SUCCESS");
        assertThat(run(PROMETHEUS, "promtool", "check", "rules", "alerts.yml")).contains("SUCCESS: 8 rules found");
        assertThat(run(PROMETHEUS, "promtool", "test", "rules", "alerts-test.yml")).contains("SUCCESS");
    }

    @Test
    void aRealPrometheusScrapesTheNodeAndEvaluatesEveryDashboardQuery(@TempDir Path work) throws Exception {
        requirePrometheus();
        // the shipped config, with its targets directory filled as deploy/local-cluster.sh fills it
        Files.copy(PROMETHEUS.resolve("prometheus.yml"), work.resolve("prometheus.yml"));
        Files.copy(PROMETHEUS.resolve("alerts.yml"), work.resolve("alerts.yml"));
        Files.createDirectories(work.resolve("targets"));
        int metricsPort = tributary.tributary().nodes().get(0).metricsPort();
        Files.writeString(work.resolve("targets/local.json"),
                "[{\"targets\": [\"127.0.0.1:" + metricsPort + "\"], \"labels\": {\"node\": \"1\"}}]\n");
        int port = UnusedPorts.pick("127.0.0.1");
        Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + work.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + work.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(work.resolve("prometheus.log").toFile()).start();
        try {
            String api = "http://127.0.0.1:" + port + "/api/v1/";
            // Prometheus scrapes every 5 s: wait for the node to be up in its eyes
            awaitQuery(api, "up{job=\"tributary\"} == 1", Duration.ofSeconds(60));
            for (String query : dashboardQueries()) {
                String answer = get(api + "query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
                assertThat(answer).as("Prometheus's answer to %s", query).contains("\"status\":\"success\"");
            }
            assertThat(get(api + "query?query=" + URLEncoder.encode("tributary_controller_active == 1",
                    StandardCharsets.UTF_8))).contains("\"node\":\"1\"");
            assertThat(get(api + "rules")).contains("TributaryNoActiveController").doesNotContain("\"health\":\"err\"");
        } finally {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor();
            }
        }
    }

    private static void requirePrometheus() {
        boolean present = onPath("promtool") && onPath("prometheus");
        if (!present && "1".equals(System.getenv("TRIBUTARY_PROMETHEUS_REQUIRED"))) {
            throw new AssertionError("promtool and prometheus are required (TRIBUTARY_PROMETHEUS_REQUIRED=1) but not"
                    + " on the PATH: apt-get install prometheus");
        }
        Assumptions.assumeTrue(present, "promtool/prometheus not installed (apt-get install prometheus):"
                + " the Prometheus checks are skipped");
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private static List<String> dashboardQueries() throws IOException {
        List<String> queries = new ArrayList<>();
        Matcher m = EXPR.matcher(Files.readString(DASHBOARD));
        while (m.find()) {
            queries.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return queries;
    }

    private static List<String> alertExpressions() throws IOException {
        List<String> expressions = new ArrayList<>();
        Matcher m = RULE_EXPR.matcher(Files.readString(PROMETHEUS.resolve("alerts.yml")));
        while (m.find()) {
            expressions.add(m.group(1));
        }
        assertThat(expressions).as("alert rules").hasSize(8);
        return expressions;
    }

    private static String run(Path dir, String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s said:%n%s", String.join(" ", command), output).isZero();
        return output;
    }

    private static void awaitQuery(String api, String query, Duration timeout) {
        // polls an external process's HTTP API; it refuses connections until it listens
        await("Prometheus has a result for " + query).atMost(timeout).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> get(api + "query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)),
                        answer -> answer.contains("\"result\":[{"));
    }

    private static String scrape(int metricsPort) throws Exception {
        return get("http://127.0.0.1:" + metricsPort + "/metrics");
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return response.body();
    }
}
