package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.Event;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.CanarySpec;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.MetricSpec;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.TemplateRef;
import dev.aegis.canary.api.ThresholdRange;

/**
 * Bad input: the Canary gets phase Invalid with a message naming the field, a Warning Event, and no workload is
 * changed. (The test server does not apply the CRD schema, so this is the controller's own validation.)
 */
@QuarkusTest
class InvalidCanaryTest extends FleetTest {

    record Case(String name, String target, Consumer<CanarySpec> change, String message) {

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("target does not exist", "nope", spec -> {
                }, "spec.targetRef: Deployment 'nope' not found in namespace "),
                new Case("steps not strictly increasing", "podinfo", spec -> spec.setSteps(List.of(1, 50, 10, 100)),
                        "spec.steps must be strictly increasing: steps[2] = 10 follows 50"),
                new Case("steps not ending at 100", "podinfo", spec -> spec.setSteps(List.of(1, 10, 50)),
                        "spec.steps must end at 100, got 50"),
                new Case("step of 0", "podinfo", spec -> spec.setSteps(List.of(0, 100)),
                        "spec.steps[0] must be in 1..100, got 0"),
                new Case("template missing", "podinfo", spec -> spec.getAnalysis().setMetrics(List.of(
                        new MetricSpec("errors", new TemplateRef("missing", null), new ThresholdRange(null, 1.0)))),
                        "spec.analysis.metrics[0].templateRef: AnalysisTemplate 'missing' not found in namespace "),
                new Case("unknown variable in the template", "podinfo", spec -> spec.getAnalysis().setMetrics(List.of(
                        new MetricSpec("errors", new TemplateRef("typo", null), new ThresholdRange(null, 1.0)))),
                        "spec.analysis.metrics[0] (errors): unknown variable {{canaryPod}}"),
                new Case("undeclared arg", "podinfo", spec -> {
                    MetricSpec m = new MetricSpec("errors", new TemplateRef("request-success-rate", null),
                            new ThresholdRange(99.0, null));
                    m.setArgs(java.util.Map.of("service", "podinfo"));
                    spec.getAnalysis().setMetrics(List.of(m));
                }, "spec.analysis.metrics[0] (errors): metrics[errors].args.service is not declared by template "
                        + "AnalysisTemplate request-success-rate (declared: none)"),
                new Case("interval not a duration", "podinfo", spec -> spec.getAnalysis().setInterval("5 minutes"),
                        "spec.analysis.interval: '5 minutes' is not a duration"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void anInvalidCanaryIsReportedAndChangesNothing(Case c) {
        Fixtures fx = new Fixtures(client, "invalid");
        fx.applyShippedTemplates();
        fx.template("typo", "sum(rate(x{pod=~\"{{canaryPod}}\"}[1m]))");
        fx.deployment("podinfo", "1.0.0", 3);
        fx.canary("podinfo", c.target(), c.change());

        await().atMost(Duration.ofSeconds(30)).until(() -> {
            CanaryStatus s = fx.canaryNow("podinfo").getStatus();
            return s != null && s.getPhase() == Phase.Invalid;
        });
        CanaryStatus s = fx.canaryNow("podinfo").getStatus();
        assertThat(s.getMessage()).startsWith("invalid: ").contains(c.message());
        assertThat(s.getConditions()).filteredOn(x -> "Ready".equals(x.getType())).singleElement()
                .satisfies(x -> {
                    assertThat(x.getStatus()).isEqualTo("False");
                    assertThat(x.getReason()).isEqualTo("Invalid");
                });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fx.events("podinfo"))
                .filteredOn(e -> "InvalidSpec".equals(e.getReason())).singleElement()
                .satisfies(e -> {
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getMessage()).contains(c.message());
                }));

        // nothing changed: no primary, no Services, the target still runs its 3 pods
        assertThat(fx.deploymentNow("podinfo-primary")).isNull();
        assertThat(client.services().inNamespace(fx.ns).list().getItems()).isEmpty();
        assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isEqualTo(3);
        assertThat(fx.events("podinfo")).extracting(Event::getReason).containsOnly("InvalidSpec");
    }
}
