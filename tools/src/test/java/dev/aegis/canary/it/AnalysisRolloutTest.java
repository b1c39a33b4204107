package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.CompareSpec;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.ThresholdRange;
import dev.aegis.canary.sim.VersionBehaviour;

/** Analysis in whole runs: judging the canary against the primary, and metrics in dry run. */
@QuarkusTest
class AnalysisRolloutTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(90);

    /** Success rate no more than half a point below the primary's, with no fixed threshold. */
    static MetricSpec comparedWithPrimary() {
        MetricSpec m = new MetricSpec("success-rate", new TemplateRef("request-success-rate", null), null);
        m.setCompare(CompareSpec.maxDecrease(0.5));
        return m;
    }

    @Test
    void aCanaryWorseThanThePrimaryByMoreThanAllowedIsRolledBackWithBothValues() {
        Fixtures fx = new Fixtures(client, "compare-worse");
        fx.applyShippedTemplates();
        // the stable version fails 0.1% of requests, the new one 1.5%: 98.5 against 99.9
        fleet.setBehaviour(Fixtures.IMAGE + "cmp-1", VersionBehaviour.healthy().withErrorRatio(0.001));
        fleet.setBehaviour(Fixtures.IMAGE + "cmp-2", VersionBehaviour.healthy().withErrorRatio(0.015));
        fx.deployment("podinfo", "cmp-1", 4);
        fx.canary("podinfo", "podinfo", spec -> spec.getAnalysis().setMetrics(List.of(comparedWithPrimary())));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "cmp-2");
            CanaryStatus s = recorder.awaitPhase(Phase.RolledBack, RUN);
            MetricResult r = s.getLastAnalysis().get(0);
            assertThat(r.getResult()).isEqualTo(CheckResult.Fail);
            assertThat(r.getValue()).isCloseTo(98.5, within(0.05));
            assertThat(r.getBaseline()).isCloseTo(99.9, within(0.05));
            assertThat(s.getMessage()).contains("success-rate 98.5").contains("(want >= primary - 0.5; primary 99.9)");
        }
    }

    @Test
    void aCanaryAsGoodAsThePrimaryIsPromoted() {
        Fixtures fx = new Fixtures(client, "compare-close");
        fx.applyShippedTemplates();
        fleet.setBehaviour(Fixtures.IMAGE + "cmp-3", VersionBehaviour.healthy().withErrorRatio(0.003));
        fx.deployment("podinfo", "cmp-1", 4);
        fx.canary("podinfo", "podinfo", spec -> {
            spec.setSteps(List.of(50, 100));
            spec.getAnalysis().setMetrics(List.of(comparedWithPrimary()));
        });
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "cmp-3");
            CanaryStatus s = recorder.awaitPhase(Phase.Succeeded, RUN);
            MetricResult r = s.getLastAnalysis().get(0);
            assertThat(r.getResult()).isEqualTo(CheckResult.Pass);
            assertThat(r.getValue()).isCloseTo(99.7, within(0.05));
            assertThat(r.getBaseline()).isCloseTo(99.9, within(0.05));
        }
    }

    @Test
    void aFailingDryRunMetricIsRecordedButDoesNotStopTheRollout() {
        Fixtures fx = new Fixtures(client, "dry-run");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 4);
        MetricSpec strict = new MetricSpec("strict-success-rate", new TemplateRef("request-success-rate", null),
                new ThresholdRange(99.99, null));
        strict.setDryRun(true);
        fx.canary("podinfo", "podinfo", spec -> {
            spec.setSteps(List.of(50, 100));
            spec.getAnalysis().setMetrics(List.of(new MetricSpec("success-rate", new TemplateRef(
                    "request-success-rate", null), new ThresholdRange(99.0, null)), strict));
        });
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "1.1.0");
            CanaryStatus s = recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(s.getLastAnalysis()).filteredOn(r -> r.getMetric().equals("strict-success-rate"))
                    .singleElement().satisfies(r -> {
                        assertThat(r.getResult()).isEqualTo(CheckResult.Fail);
                        assertThat(r.dryRun()).isTrue();
                    });
            assertThat(s.getFailedChecks()).isZero();
        }
    }
}
