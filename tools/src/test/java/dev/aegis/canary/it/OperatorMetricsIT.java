package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.Phase;

/**
 * The packaged controller exports the Operator SDK's own metrics (reconcile durations, the queue) on /q/metrics. The
 * Quarkus extension hands the operator no-op metrics in a packaged application, which a {@code @QuarkusTest} cannot
 * see: this runs the jar.
 */
class OperatorMetricsIT extends ProcessClusterTest {

    private static final Pattern RECONCILES = Pattern.compile(
            "(?m)^reconciliations_execution_duration_seconds_count\\{[^}]*} ([0-9.eE+]+)$");

    @Test
    void thePackagedControllerExportsItsReconcileTimes() throws Exception {
        Fixtures fx = new Fixtures(cluster.client(), "metrics");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "m-1", 2);
        int port = ControllerProcess.freePort();
        try (ControllerProcess c = ControllerProcess.start("metrics", cluster, Map.of(
                "aegis.leader-election.enabled", "false", "quarkus.http.port", String.valueOf(port)))) {
            fx.canary("podinfo", "podinfo", spec -> {
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                var canary = fx.canaryNow("podinfo");
                return canary != null && canary.getStatus() != null && canary.getStatus().getPhase() == Phase.Ready;
            });
            HttpClient http = HttpClient.newHttpClient();
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = RECONCILES.matcher(metrics);
            assertThat(m.find()).as("reconciliations_execution_duration_seconds_count on /q/metrics").isTrue();
            assertThat(Double.parseDouble(m.group(1))).isPositive();
            assertThat(metrics).contains("reconciliations_queue");
        }
    }
}
