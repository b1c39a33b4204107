package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.PrometheusProxy;
import dev.aegis.canary.api.AnalysisTemplate;
import dev.aegis.canary.api.AnalysisTemplateSpec;
import dev.aegis.canary.api.AnalysisTemplateSpec.PrometheusSpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * Prometheus going away mid-run, and Prometheus answering too slowly: a check that gets no answer is neither a pass
 * nor a fail. The step holds, weight and pods as they were, with the reason in status and a Warning Event; answers
 * again before errorLimit checks in a row (3 by default) let the run carry on from the same step; otherwise it rolls
 * back with the reason. The scenario prometheus-outage.yaml plays a long outage in a whole release at a realistic
 * interval; these are the short, exact versions. Whatever a test stops it starts again, and waits until Prometheus
 * scrapes again, so the tests after it are not hurt.
 */
@QuarkusTest
class PrometheusOutageTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(60);
    /** How long the slow proxy holds an answer back: three times its template's timeout. */
    static final Duration SLOW = Duration.ofSeconds(3);

    @TestFleet.Fleet
    PrometheusProcess prometheus;

    /** A Deployment of 4 pods of 1.0.0 under a Canary with 25% → 50% → 100% that has reached Ready. */
    static StatusRecorder readyCanary(Fixtures fx, String interval, List<MetricSpec> metrics) {
        fx.deployment("podinfo", "1.0.0", 4);
        fx.canary("podinfo", "podinfo", spec -> {
            spec.setSteps(List.of(25, 50, 100));
            spec.getAnalysis().setInterval(interval);
            if (metrics != null) {
                spec.getAnalysis().setMetrics(metrics);
            }
        });
        StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo");
        recorder.awaitPhase(Phase.Ready, RUN);
        return recorder;
    }

    /** Waits until the canary is ready at a step: its first check there is one interval away. */
    static CanaryStatus readyAtStep(Fixtures fx, int weight) {
        return awaitStatus(fx, s -> s.getPhase() == Phase.Progressing && s.getWeight() == weight
                && s.getStepReadyAt() != null);
    }

    static CanaryStatus awaitErrorChecks(Fixtures fx, int inARow) {
        return awaitStatus(fx, s -> s.getErrorChecks() != null && s.getErrorChecks() == inARow);
    }

    static CanaryStatus awaitStatus(Fixtures fx, Predicate<CanaryStatus> wanted) {
        await().atMost(RUN).pollInterval(Duration.ofMillis(50)).until(() -> {
            CanaryStatus s = fx.canaryNow("podinfo").getStatus();
            return s != null && wanted.test(s);
        });
        return fx.canaryNow("podinfo").getStatus();
    }

    /** Which pods run which version: "podinfo 2.0.0" (the canary) or "podinfo-primary 1.0.0", and how many. */
    static Map<String, Integer> pods(Fixtures fx) {
        Map<String, Integer> out = new TreeMap<>();
        for (Pod p : fx.client.pods().inNamespace(fx.ns).list().getItems()) {
            String replicaSet = p.getMetadata().getOwnerReferences().get(0).getName();
            String deployment = replicaSet.substring(0, replicaSet.lastIndexOf('-'));
            String version = p.getSpec().getContainers().get(0).getImage().substring(Fixtures.IMAGE.length());
            out.merge(deployment + " " + version, 1, Integer::sum);
        }
        return out;
    }

    static List<String> warnings(Fixtures fx, String reason) {
        return fx.events("podinfo").stream().filter(e -> "Warning".equals(e.getType())
                && reason.equals(e.getReason())).map(Event::getMessage).toList();
    }

    /** Starts Prometheus again and waits until it has scraped since: the next test finds it as it was. */
    void startPrometheusAgain() {
        prometheus.restart();
        HttpClient http = HttpClient.newHttpClient();
        URI recent = URI.create(prometheus.url() + "/api/v1/query?query=" + URLEncoder.encode(
                "count(count_over_time(up[1s]))", StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> http.send(
                HttpRequest.newBuilder(recent).build(), HttpResponse.BodyHandlers.ofString()).body().contains(
                        "\"result\":[{"));
    }

    @Test
    void prometheusStoppedAtAStepHoldsItAndTheRunCarriesOnWhenItIsBackWithinTheLimit() {
        Fixtures fx = new Fixtures(client, "outage-back");
        fx.applyShippedTemplates();
        // 4 s, not less: a restarted Prometheus scrapes again only after its service discovery's first update (up to
        // 5 s), and the checks until then have no data; at shorter intervals they would reach noDataLimit.
        try (StatusRecorder recorder = readyCanary(fx, "4s", null)) {
            fx.setImage("podinfo", "2.0.0");
            readyAtStep(fx, 50);
            try {
                prometheus.stop();
                CanaryStatus held = awaitErrorChecks(fx, 1);
                String reason = "success-rate, latency-p99: error (Prometheus at " + prometheus.url()
                        + " unreachable: Connection refused)";
                assertThat(held.getPhase()).isEqualTo(Phase.Progressing);
                assertThat(held.getStepIndex()).isEqualTo(1);
                assertThat(held.getWeight()).isEqualTo(50);
                assertThat(held.getMessage()).isEqualTo("step 2/3: 50% (2/4 pods), holding: check with a query "
                        + "error (1/3): " + reason);
                assertThat(held.getLastAnalysis()).extracting(MetricResult::getResult).containsOnly(
                        CheckResult.Error);
                assertThat(pods(fx)).isEqualTo(Map.of("podinfo 2.0.0", 2, "podinfo-primary 1.0.0", 2));
                assertThat(warnings(fx, "CheckError")).containsExactly("check with a query error (1 of 3 in a row "
                        + "roll back): " + reason);
            } finally {
                startPrometheusAgain();
            }
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(recorder.weights()).as("every step once, in order: the outage neither skipped nor repeated one")
                    .containsExactly(25, 50, 100);
            assertThat(done.getMessage()).startsWith("promoted revision " + done.getCanaryRevision()
                    + " after 3 steps");
            assertThat(warnings(fx, "RolledBack")).isEmpty();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pods(fx)).isEqualTo(Map.of(
                    "podinfo-primary 2.0.0", 4)));
        }
    }

    @Test
    void prometheusNotBackWithinTheLimitRollsBackWithTheReason() {
        Fixtures fx = new Fixtures(client, "outage-long");
        fx.applyShippedTemplates();
        try (StatusRecorder recorder = readyCanary(fx, "2s", null)) {
            fx.setImage("podinfo", "2.0.0");
            readyAtStep(fx, 25);
            try {
                prometheus.stop();
                CanaryStatus s = recorder.awaitPhase(Phase.RolledBack, RUN);
                String reason = "success-rate, latency-p99: error (Prometheus at " + prometheus.url()
                        + " unreachable: Connection refused)";
                assertThat(s.getMessage()).isEqualTo("rolled back revision " + s.getCanaryRevision() + " at step 1/3 "
                        + "(25%): 3 checks in a row with a query error (limit 3): " + reason);
                assertThat(s.getWeight()).isZero();
                assertThat(warnings(fx, "CheckError")).containsExactly(
                        "check with a query error (1 of 3 in a row roll back): " + reason,
                        "check with a query error (2 of 3 in a row roll back): " + reason);
                assertThat(warnings(fx, "RolledBack")).containsExactly(s.getMessage());
                assertThat(recorder.weights()).containsExactly(25);
                // going back to the primary needs no Prometheus: it is still down
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(pods(fx)).isEqualTo(Map.of("podinfo-primary 1.0.0", 4));
                    assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
                });
            } finally {
                startPrometheusAgain();
            }
        }
    }

    @Test
    void answersSlowerThanTheTimeoutHoldTheStepAndRollBackAtTheLimit() {
        try (PrometheusProxy proxy = new PrometheusProxy(prometheus.url())) {
            Fixtures fx = new Fixtures(client, "outage-slow");
            AnalysisTemplateSpec spec = new AnalysisTemplateSpec();
            spec.setQuery("100 * sum(rate(http_requests_total{namespace=\"{{namespace}}\",pod=~\"{{canaryPods}}\","
                    + "code!~\"5..\"}[{{interval}}])) / sum(rate(http_requests_total{namespace=\"{{namespace}}\","
                    + "pod=~\"{{canaryPods}}\"}[{{interval}}]))");
            PrometheusSpec viaProxy = new PrometheusSpec();
            viaProxy.setAddress(proxy.url());
            viaProxy.setTimeout("1s");
            spec.setPrometheus(viaProxy);
            AnalysisTemplate template = new AnalysisTemplate();
            template.getMetadata().setName("success-rate-via-proxy");
            template.getMetadata().setNamespace(fx.ns);
            template.setSpec(spec);
            client.resource(template).create();
            String reason = "success-rate: error (Prometheus at " + proxy.url() + " did not answer within 1s "
                    + "(AnalysisTemplate success-rate-via-proxy spec.prometheus.timeout))";

            try (StatusRecorder recorder = readyCanary(fx, "2s", List.of(new MetricSpec("success-rate",
                    new TemplateRef("success-rate-via-proxy", null), new ThresholdRange(99.0, null))))) {
                fx.setImage("podinfo", "2.0.0");
                readyAtStep(fx, 25);
                proxy.delay(SLOW);
                CanaryStatus held = awaitErrorChecks(fx, 1);
                assertThat(held.getPhase()).isEqualTo(Phase.Progressing);
                assertThat(held.getWeight()).isEqualTo(25);
                assertThat(held.getMessage()).isEqualTo("step 1/3: 25% (1/4 pods), holding: check with a query "
                        + "error (1/3): " + reason);
                assertThat(proxy.lastQuery()).as("the query went through the proxy, with the timeout for "
                        + "Prometheus too").contains("namespace=\"" + fx.ns + "\"").endsWith("&timeout=1000ms");
                assertThat(pods(fx)).isEqualTo(Map.of("podinfo 2.0.0", 1, "podinfo-primary 1.0.0", 3));

                proxy.delay(Duration.ZERO); // answers in time again: the run carries on from the held step
                readyAtStep(fx, 50);
                proxy.delay(SLOW); // and now for good
                CanaryStatus s = recorder.awaitPhase(Phase.RolledBack, RUN);
                assertThat(s.getMessage()).isEqualTo("rolled back revision " + s.getCanaryRevision() + " at step 2/3 "
                        + "(50%): 3 checks in a row with a query error (limit 3): " + reason);
                assertThat(warnings(fx, "CheckError")).containsExactly(
                        "check with a query error (1 of 3 in a row roll back): " + reason,
                        "check with a query error (1 of 3 in a row roll back): " + reason,
                        "check with a query error (2 of 3 in a row roll back): " + reason);
                assertThat(warnings(fx, "RolledBack")).containsExactly(s.getMessage());
                assertThat(recorder.weights()).containsExactly(25, 50);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pods(fx)).isEqualTo(Map.of(
                        "podinfo-primary 1.0.0", 4)));
            }
        }
    }
}
