package dev.aegis.canary.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.mutiny.core.Vertx;

import dev.aegis.canary.Repo;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.CompareSpec;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * Every template of analysis-templates/ against a real Prometheus holding past series shaped like its source's
 * (backfilled with promtool): the canary's success rate and p99 latency must be the values worked out by hand, and
 * the same template measuring the primary must give the primary's, never a mix. Each source also gets decoy series
 * its template must leave out (health checks, other reporters, outbound traffic). Played on each Prometheus by a
 * subclass that starts it; one {@code @BeforeAll} each, none here: JUnit runs a superclass's too, and the second
 * start would leave the first server running.
 */
abstract class TemplateLibraryCases {

    static final String NS = "shop";
    static final String TARGET = "podinfo";
    static final String CANARY_POD = "podinfo-7d9f6c8b5-x7k2p";
    static final String PRIMARY_POD = "podinfo-primary-5c4d8f7b9-q2w4e";
    static final PodScope SCOPE = PodScope.pods("^(podinfo-7d9f6c8b5-)[a-z0-9]{5}$",
            "^(podinfo-primary-5c4d8f7b9-)[a-z0-9]{5}$");
    static final Duration INTERVAL = Duration.ofMinutes(1);
    static final Instant START = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.MINUTES);
    static final Instant AT = START.plus(Duration.ofMinutes(10));

    /** Canary: 10 requests/s, 2% errors; primary: 30 requests/s, 0.5% errors. */
    static final double CANARY_SUCCESS = 98.0;
    static final double PRIMARY_SUCCESS = 99.5;
    /** Bucket shares; p99 by linear interpolation: canary 250 + 250 × 0.01/0.02 = 375 ms, primary 100 ms. */
    static final double[] CANARY_SHARES = {0.5, 0.9, 0.98, 1.0};
    static final double[] PRIMARY_SHARES = {0.9, 0.99, 1.0, 1.0};
    static final double CANARY_P99_MS = 375;
    static final double PRIMARY_P99_MS = 100;
    static final double[] SECONDS = {0.05, 0.1, 0.25, 0.5};
    static final double[] MILLIS = {50, 100, 250, 500};

    static PrometheusProcess prometheus;
    static Vertx vertx;
    static PrometheusClient client;

    /** The series below, backfilled with this binary's promtool and served by it. */
    static void start(Path binary) throws IOException {
        OpenMetricsSeries s = new OpenMetricsSeries(START, Duration.ofSeconds(15), 80);
        generic(s);
        micrometer(s);
        nginx(s);
        istio(s);
        envoy(s);
        hubble(s);
        linkerd(s);
        Path dir = Files.createTempDirectory("aegis-backfill-");
        Path file = dir.resolve("series.om");
        Files.writeString(file, s.text());
        PrometheusProcess.backfill(binary, file, dir.resolve("data"));
        prometheus = PrometheusProcess.serving(binary, dir.resolve("data"));
        vertx = Vertx.vertx();
        client = new PrometheusClient(vertx);
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (client != null) {
            client.close();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
    }

    static void generic(OpenMetricsSeries s) {
        for (var side : List.of(new Side(CANARY_POD, 10, 0.02, CANARY_SHARES), new Side(PRIMARY_POD, 30, 0.005,
                PRIMARY_SHARES))) {
            Map<String, String> labels = Map.of("namespace", NS, "pod", side.name());
            s.requests("http_requests_total", labels, "code", "200", "503", side.rps(), side.errors());
            s.histogram("http_request_duration_seconds_bucket", labels, side.rps(), SECONDS, side.shares());
        }
        // another namespace's pod of the same name must not count
        s.requests("http_requests_total", Map.of("namespace", "other", "pod", CANARY_POD), "code", "200", "500", 50,
                0.5);
    }

    static void micrometer(OpenMetricsSeries s) {
        for (var side : List.of(new Side(CANARY_POD, 10, 0.02, CANARY_SHARES), new Side(PRIMARY_POD, 30, 0.005,
                PRIMARY_SHARES))) {
            Map<String, String> labels = Map.of("namespace", NS, "pod", side.name(), "uri", "/api/orders",
                    "method", "GET");
            s.requests("http_server_requests_seconds_count", labels, "status", "200", "500", side.rps(),
                    side.errors());
            s.histogram("http_server_requests_seconds_bucket", labels, side.rps(), SECONDS, side.shares());
        }
        // a failing health endpoint is not the service's traffic
        Map<String, String> health = Map.of("namespace", NS, "pod", CANARY_POD, "uri", "/q/health", "method", "GET");
        s.requests("http_server_requests_seconds_count", health, "status", "200", "503", 5, 1.0);
        s.histogram("http_server_requests_seconds_bucket", health, 5, SECONDS, new double[]{0, 0, 0, 0});
    }

    static void nginx(OpenMetricsSeries s) {
        for (var side : List.of(new Side("shop-podinfo-canary-80", 10, 0.02, CANARY_SHARES), new Side("", 30, 0.005,
                PRIMARY_SHARES))) {
            Map<String, String> labels = Map.of("namespace", NS, "ingress", TARGET, "canary", side.name(),
                    "service", side.name().isEmpty() ? "podinfo-primary" : "podinfo-canary");
            s.requests("nginx_ingress_controller_requests", labels, "status", "200", "502", side.rps(),
                    side.errors());
            s.histogram("nginx_ingress_controller_request_duration_seconds_bucket", labels, side.rps(), SECONDS,
                    side.shares());
        }
        s.requests("nginx_ingress_controller_requests", Map.of("namespace", NS, "ingress", "other", "canary",
                "shop-other-canary-80"), "status", "200", "500", 20, 0.5);
    }

    static void istio(OpenMetricsSeries s) {
        for (var side : List.of(new Side(TARGET, 10, 0.02, CANARY_SHARES), new Side(TARGET + "-primary", 30, 0.005,
                PRIMARY_SHARES))) {
            Map<String, String> labels = Map.of("reporter", "destination", "destination_workload_namespace", NS,
                    "destination_workload", side.name());
            s.requests("istio_requests_total", labels, "response_code", "200", "503", side.rps(), side.errors());
            s.histogram("istio_request_duration_milliseconds_bucket", labels, side.rps(), MILLIS, side.shares());
        }
        // the caller's sidecar reports the same requests again, and more errors (timeouts on its side)
        s.requests("istio_requests_total", Map.of("reporter", "source", "destination_workload_namespace", NS,
                "destination_workload", TARGET), "response_code", "200", "504", 10, 0.3);
    }

    static void envoy(OpenMetricsSeries s) {
        // Cilium names a backend's cluster <ns>:<svc>:<port>, Contour <ns>/<svc>/<port>/<hash>: the defaults match both
        for (var side : List.of(new Side(NS + ":" + TARGET + "-canary:80", 10, 0.02, CANARY_SHARES),
                new Side(NS + "/" + TARGET + "-primary/80/da39a3ee5e", 30, 0.005, PRIMARY_SHARES))) {
            Map<String, String> labels = Map.of("envoy_cluster_name", side.name());
            s.requests("envoy_cluster_upstream_rq", labels, "envoy_response_code", "200", "503", side.rps(),
                    side.errors());
            s.histogram("envoy_cluster_upstream_rq_time_bucket", labels, side.rps(), MILLIS, side.shares());
        }
        s.requests("envoy_cluster_upstream_rq", Map.of("envoy_cluster_name", NS + "/checkout:80"),
                "envoy_response_code", "200", "503", 40, 0.5);
        // the same Service name in another namespace, behind the same gateway
        s.requests("envoy_cluster_upstream_rq", Map.of("envoy_cluster_name", "staging:" + TARGET + "-canary:80"),
                "envoy_response_code", "200", "503", 40, 0.5);
    }

    static void hubble(OpenMetricsSeries s) {
        for (var side : List.of(new Side(TARGET, 10, 0.02, CANARY_SHARES), new Side(TARGET + "-primary", 30, 0.005,
                PRIMARY_SHARES))) {
            Map<String, String> labels = Map.of("reporter", "server", "destination_namespace", NS,
                    "destination_workload", side.name(), "method", "GET", "protocol", "HTTP/1.1");
            s.requests("hubble_http_requests_total", labels, "status", "200", "500", side.rps(), side.errors());
            s.histogram("hubble_http_request_duration_seconds_bucket", labels, side.rps(), SECONDS, side.shares());
        }
        s.requests("hubble_http_requests_total", Map.of("reporter", "client", "destination_namespace", NS,
                "destination_workload", TARGET, "method", "GET", "protocol", "HTTP/1.1"), "status", "200", "500", 10,
                0.4);
    }

    static void linkerd(OpenMetricsSeries s) {
        for (var side : List.of(new Side(TARGET, 10, 0.02, CANARY_SHARES), new Side(TARGET + "-primary", 30, 0.005,
                PRIMARY_SHARES))) {
            Map<String, String> labels = Map.of("namespace", NS, "deployment", side.name(), "direction", "inbound");
            s.requests("response_total", labels, "classification", "success", "failure", side.rps(), side.errors());
            s.histogram("response_latency_ms_bucket", labels, side.rps(), MILLIS, side.shares());
        }
        s.requests("response_total", Map.of("namespace", NS, "deployment", TARGET, "direction", "outbound"),
                "classification", "success", "failure", 25, 0.5);
    }

    /** One version's traffic. */
    record Side(String name, double rps, double errors, double[] shares) {
    }

    /** A source's two templates and the args a Canary would give them. */
    record Source(String folder, String success, String latency, Map<String, String> args) {

        @Override
        public String toString() {
            return folder;
        }
    }

    static List<Source> sources() {
        return List.of(
                new Source("generic", "request-success-rate", "request-duration-p99", Map.of()),
                new Source("micrometer", "micrometer-success-rate", "micrometer-latency-p99", Map.of()),
                new Source("ingress-nginx", "nginx-success-rate", "nginx-latency-p99", Map.of("ingress", TARGET)),
                new Source("istio", "istio-success-rate", "istio-latency-p99", Map.of()),
                new Source("envoy", "envoy-success-rate", "envoy-latency-p99", Map.of()),
                new Source("hubble", "hubble-success-rate", "hubble-latency-p99", Map.of()),
                new Source("linkerd", "linkerd-success-rate", "linkerd-latency-p99", Map.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sources")
    void theCanaryAndThePrimaryAreMeasuredApart(Source source) throws IOException {
        double[] success = measure(source, source.success());
        assertThat(success[0]).as(source.success() + " on the canary").isCloseTo(CANARY_SUCCESS, within(1e-6));
        assertThat(success[1]).as(source.success() + " on the primary").isCloseTo(PRIMARY_SUCCESS, within(1e-6));
        double[] latency = measure(source, source.latency());
        assertThat(latency[0]).as(source.latency() + " on the canary").isCloseTo(CANARY_P99_MS, within(1e-6));
        assertThat(latency[1]).as(source.latency() + " on the primary").isCloseTo(PRIMARY_P99_MS, within(1e-6));
    }

    /**
     * The generic counts templates, as the sequential judge asks them after watching a step for 5 minutes: canary 10
     * requests/s with 2% errors and 2% slower than 250 ms; primary 30 requests/s, 0.5% errors, none that slow.
     */
    @org.junit.jupiter.api.Test
    void theCountsTemplatesCountTheCanarysAndThePrimarysRequestsOverTheWatchedWindow() throws IOException {
        MetricQueries.CountQueries errors = counts("request-counts", Map.of());
        assertThat(errors.canaryFailed()).contains("[300s]");
        assertThat(value(errors.canaryRequests())).isCloseTo(3000, within(30.0));
        assertThat(value(errors.canaryFailed())).isCloseTo(60, within(1.0));
        assertThat(value(errors.primaryRequests())).isCloseTo(9000, within(90.0));
        assertThat(value(errors.primaryFailed())).isCloseTo(45, within(1.0));
        MetricQueries.CountQueries slow = counts("request-slow-counts", Map.of("bound", "0.25"));
        assertThat(value(slow.canaryRequests())).isCloseTo(3000, within(30.0));
        assertThat(value(slow.canaryFailed())).isCloseTo(60, within(1.0));
        assertThat(value(slow.primaryFailed())).isCloseTo(0, within(0.5));
    }

    /**
     * The slow-counts template's bound must be a bucket bound the histogram has: Prometheus is asked for the le
     * values the template's accepts.labelValues names, and a bound it lacks would leave the failed part matching no
     * series (which the judge takes as no data, never as none slow).
     */
    @org.junit.jupiter.api.Test
    void theSlowCountsBoundIsCheckedAgainstTheBucketsPrometheusHas() throws IOException {
        AnalysisTemplate t = Serialization.unmarshal(Files.readString(Repo.file("analysis-templates", "generic",
                "request-slow-counts.yaml")), AnalysisTemplate.class);
        var accepts = t.getSpec().getArgs().get(0).getAccepts();
        String series = QueryTemplate.render(accepts.getLabelValues().getSeries(), Map.of("namespace", NS));
        PrometheusEndpoint endpoint = new PrometheusEndpoint(prometheus.url(), null, Duration.ofSeconds(5));
        List<String> le = PrometheusResponse.labelValues(client.get(endpoint, "/api/v1/label/" + accepts
                .getLabelValues().getLabel() + "/values", Map.of("match[]", series)).await().atMost(Duration
                        .ofSeconds(10)));
        assertThat(le).contains("0.25", "0.5", "+Inf");
        assertThat(ArgRules.labelRefusal("le", series, le, "0.5")).isNull();
        assertThat(ArgRules.labelRefusal("le", series, le, "0.50")).startsWith("is not a value Prometheus has for "
                + "label le of http_request_duration_seconds_bucket{namespace=\"" + NS + "\"}");
        MetricQueries.CountQueries nonsense = counts("request-slow-counts", Map.of("bound", "0.50"));
        QueryResult failed = client.query(endpoint, nonsense.canaryFailed(), AT).await().atMost(Duration.ofSeconds(
                10));
        assertThat(failed).as("a bound that is no bucket: the failed part matches nothing")
                .isInstanceOf(QueryResult.NoSamples.class);
    }

    @org.junit.jupiter.api.Test
    void prometheusTellsItsScrapeInterval() {
        PrometheusEndpoint endpoint = new PrometheusEndpoint(prometheus.url(), null, Duration.ofSeconds(5));
        assertThat(PrometheusResponse.scrapeInterval(client.get(endpoint, "/api/v1/status/config", Map.of()).await()
                .atMost(Duration.ofSeconds(10)))).as("the test server's global scrape_interval").isEqualTo(Duration
                        .ofMinutes(1));
        assertThat(PrometheusResponse.scrapeInterval(client.get(endpoint, "/api/v1/status/nothing", Map.of())
                .await().atMost(Duration.ofSeconds(10)))).as("no such API: nothing told").isNull();
    }

    static MetricQueries.CountQueries counts(String name, Map<String, String> args) throws IOException {
        AnalysisTemplate t = Serialization.unmarshal(Files.readString(Repo.file("analysis-templates", "generic", name
                + ".yaml")), AnalysisTemplate.class);
        MetricSpec metric = new MetricSpec(name, new TemplateRef(name, null), null);
        metric.setArgs(args);
        return MetricQueries.counts(NS, TARGET, TARGET, INTERVAL, Duration.ofMinutes(5), SCOPE, metric,
                "AnalysisTemplate " + name, t.getSpec());
    }

    /** The template's value on the canary and on the primary, at the moment of the check. */
    static double[] measure(Source source, String name) throws IOException {
        AnalysisTemplate t = Serialization.unmarshal(Files.readString(Repo.file("analysis-templates", source.folder(),
                name + ".yaml")), AnalysisTemplate.class);
        assertThat(t.getMetadata().getName()).isEqualTo(name);
        MetricSpec metric = new MetricSpec(name, new TemplateRef(name, null), null);
        metric.setArgs(source.args());
        metric.setCompare(CompareSpec.maxDecrease(0.5));
        MetricQueries q = MetricQueries.render(NS, TARGET, TARGET, INTERVAL, SCOPE, metric, "AnalysisTemplate " + name,
                t.getSpec());
        return new double[]{value(q.canary()), value(q.baseline())};
    }

    static double value(String query) {
        QueryResult r = client.query(new PrometheusEndpoint(prometheus.url(), null, Duration.ofSeconds(5)), query, AT)
                .await().atMost(Duration.ofSeconds(10));
        assertThat(r).as(query).isInstanceOf(QueryResult.Sample.class);
        return ((QueryResult.Sample) r).value();
    }
}
