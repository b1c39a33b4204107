package dev.aegis.canary.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.Phase;

/** The controller's own metrics and health, as Prometheus and the kubelet read them. */
@QuarkusTest
class ObservabilityTest extends FleetTest {

    @Test
    void healthIsUpOnceTheOperatorRuns() {
        given().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void perCanaryMetricsFollowTheRollout() {
        Fixtures fx = new Fixtures(client, "metrics");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 2);
        fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(100)));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, Duration.ofSeconds(60));
            fx.setImage("podinfo", "1.1.0");
            recorder.awaitPhase(Phase.Succeeded, Duration.ofSeconds(60));
        }
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        String tags = "name=\"podinfo\",namespace=\"" + fx.ns + "\"";
        assertThat(metrics)
                .contains("aegis_canary_promotions_total{" + tags + "} 1.0")
                .contains("aegis_canary_phase{" + tags + ",phase=\"Succeeded\"} 1.0")
                .contains("aegis_canary_phase{" + tags + ",phase=\"Progressing\"} 0.0")
                .contains("aegis_canary_weight{" + tags + "} 0.0")
                .contains("aegis_canary_checks_total{metric=\"success-rate\"," + tags + ",result=\"Pass\"} 1.0")
                .doesNotContain("aegis_canary_rollbacks_total{" + tags + "}");
        assertThat(value(metrics, "aegis_canary_analysis_value{metric=\"success-rate\"," + tags + "}"))
                .isCloseTo(99.9, within(0.05));
        assertThat(value(metrics, "aegis_canary_reconcile_duration_seconds_count{" + tags + "}")).isPositive();
    }

    /** The value of one series in the Prometheus text format. */
    static double value(String exposition, String series) {
        return exposition.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError(series + " not exported"));
    }
}
