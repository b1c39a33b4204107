package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import dev.aegis.canary.Repo;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.sim.PrometheusProcess;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * deploy/monitoring's Grafana dashboard against what the packaged controller really exports: a Prometheus scrapes
 * the controller while it promotes a release, rolls one back and tells one webhook that answers and one that does
 * not; then every query of every panel (and of the variables) must return data. A panel on a metric that does not
 * exist, or a label it does not have, fails here.
 */
class RealDashboardIT {

    @RegisterExtension
    static final RealController REAL = new RealController("controller-dashboard");

    static final ObjectMapper JSON = new ObjectMapper();

    /** Grafana's variables as a query over all of this test's data sees them. */
    static String resolve(String expr) {
        return expr.replace("$__rate_interval", "1m").replace("$__range", "1h").replace("$namespace", ".+")
                .replace("$canary", ".+");
    }

    @Test
    void everyPanelsQueryReturnsDataFromARealScrapeOfTheController() throws Exception {
        HttpServer hooks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hooks.createContext("/ok", x -> {
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        hooks.createContext("/gone", x -> {
            x.sendResponseHeaders(404, -1); // not retried: failed at once
            x.close();
        });
        hooks.start();
        // Prometheus finds the controller through HTTP discovery: its address, and the path Quarkus serves metrics on
        HttpServer discovery = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        discovery.createContext("/targets", x -> {
            byte[] body = JSON.writeValueAsBytes(List.of(Map.of("targets", List.of(REAL.controller.address()), "labels",
                    Map.of("__metrics_path__", "/q/metrics", "job", "aegis-canary"))));
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        discovery.start();
        String ns = REAL.plane.newNamespace("dashboard");
        String image = "registry.invalid/" + ns + "/podinfo:";
        REAL.fleet.traffic.setBehaviour(image + "6.0.2", VersionBehaviour.healthy().withErrorRatio(0.3));
        CanaryRuns.applyTemplates(REAL.plane, ns);
        String hookBase = "http://127.0.0.1:" + hooks.getAddress().getPort();
        try (PrometheusProcess prometheus = PrometheusProcess.start("http://127.0.0.1:" + discovery.getAddress()
                .getPort() + "/targets", Duration.ofSeconds(1))) {
            CanaryRuns.apply(REAL.plane, RealRoutedCanaryIT.deployment(ns, image + "6.0.0") + "---\n"
                    + webhook(ns, "ok", hookBase + "/ok") + "---\n" + webhook(ns, "gone", hookBase + "/gone") + "---\n"
                    + RealRoutedCanaryIT.canary(ns, """
                              notifications:
                                - {providerRef: {name: ok}, severity: info}
                                - {providerRef: {name: gone}, severity: info}
                            """));
            try (var client = REAL.plane.client()) {
                CanaryRuns.awaitPhase(client, ns, "podinfo", Phase.Ready, REAL.controller, Duration.ofSeconds(60));
                CanaryRuns.applyAsFlux(REAL.plane, RealRoutedCanaryIT.deployment(ns, image + "6.0.1"));
                CanaryRuns.kubectlWait(REAL.plane, ns, "Reconciling", REAL.controller);
                CanaryRuns.kubectlWait(REAL.plane, ns, "Ready", REAL.controller);
                CanaryRuns.applyAsFlux(REAL.plane, RealRoutedCanaryIT.deployment(ns, image + "6.0.2"));
                CanaryRuns.kubectlWait(REAL.plane, ns, "Reconciling", REAL.controller);
                CanaryRuns.kubectlWait(REAL.plane, ns, "Stalled", REAL.controller);
            }
            JsonNode dashboard = JSON.readTree(Files.readString(Repo.file("deploy", "monitoring",
                    "grafana-dashboard.json")));
            List<String> queries = new ArrayList<>();
            dashboard.get("panels").forEach(p -> p.get("targets").forEach(t -> queries.add(t.get("expr").asText())));
            dashboard.get("templating").get("list").forEach(v -> {
                if (v.has("definition")) {
                    queries.add(labelValuesSeries(v.get("definition").asText()));
                }
            });
            assertThat(queries).hasSizeGreaterThanOrEqualTo(15);
            HttpClient http = HttpClient.newHttpClient();
            for (String query : queries) {
                String promql = resolve(query);
                Awaitility.await("data for " + promql).atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                            JsonNode result = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(
                                    prometheus.url() + "/api/v1/query?query=" + URLEncoder.encode(promql,
                                            StandardCharsets.UTF_8)))
                                    .build(),
                                    HttpResponse.BodyHandlers
                                            .ofString())
                                    .body());
                            assertThat(result.get("status").asText()).as("%s: %s", promql, result).isEqualTo(
                                    "success");
                            assertThat(result.get("data").get("result")).as("series of %s", promql).isNotEmpty();
                        });
            }
        } finally {
            hooks.stop(0);
            discovery.stop(0);
        }
    }

    /** The series a {@code label_values(series, label)} variable reads. */
    static String labelValuesSeries(String definition) {
        Matcher m = Pattern.compile("label_values\\((.*),\\s*\\w+\\)").matcher(definition);
        assertThat(m.matches()).as(definition).isTrue();
        return m.group(1);
    }

    static String webhook(String ns, String name, String address) {
        return """
                apiVersion: v1
                kind: Secret
                metadata: {name: %2$s, namespace: %1$s}
                stringData: {address: "%3$s"}
                ---
                apiVersion: canary.aegis.dev/v1alpha1
                kind: NotificationProvider
                metadata: {name: %2$s, namespace: %1$s}
                spec:
                  type: webhook
                  secretRef: {name: %2$s}
                """.formatted(ns, name, address);
    }
}
