package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.LocalObjectRef;
import dev.aegis.canary.api.Phase;

/**
 * An HPA-managed Deployment behind an HTTPRoute through whole runs. The test server has no HPA controller, so the
 * test plays its part where it matters: it sets the replicas an autoscaler would set, on the primary (its twin) and
 * on the canary (the Git autoscaler, active while the target has pods), and checks the controller leaves them be.
 */
@QuarkusTest
class AutoscalerTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(90);

    HorizontalPodAutoscaler gitAutoscaler(Fixtures fx, String scales) {
        return client.resource(new HorizontalPodAutoscalerBuilder()
                .withNewMetadata().withName("podinfo").withNamespace(fx.ns).addToLabels("app", "podinfo")
                .endMetadata()
                .withNewSpec()
                .withNewScaleTargetRef().withApiVersion("apps/v1").withKind("Deployment").withName(scales)
                .endScaleTargetRef()
                .withMinReplicas(2).withMaxReplicas(10)
                .addNewMetric().withType("Resource").withNewResource().withName("cpu").withNewTarget()
                .withType("Utilization").withAverageUtilization(70).endTarget().endResource().endMetric()
                .withNewBehavior().withNewScaleDown().withStabilizationWindowSeconds(300).endScaleDown()
                .endBehavior()
                .endSpec()
                .build()).create();
    }

    HorizontalPodAutoscaler autoscalerNow(Fixtures fx, String name) {
        return client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(fx.ns).withName(name).get();
    }

    /** What an HPA controller does: set the Deployment's replicas. */
    void autoscale(Fixtures fx, String deployment, int replicas) {
        client.apps().deployments().inNamespace(fx.ns).withName(deployment).edit(d -> {
            d.getSpec().setReplicas(replicas);
            return d;
        });
    }

    void canary(Fixtures fx) {
        fx.canary("podinfo", "podinfo", spec -> {
            spec.setSteps(List.of(10, 50, 100));
            WeightedRoutersTest.onGatewayApi(spec);
            spec.setAutoscalerRef(new LocalObjectRef("podinfo"));
        });
    }

    @Test
    void anAutoscaledDeploymentGoesThroughARunWithItsAutoscalersInCharge() {
        Fixtures fx = new Fixtures(client, "hpa");
        fx.applyShippedTemplates(WeightedRoutersTest.ENVOY_TEMPLATES);
        fx.deployment("podinfo", "hpa-1", 4); // the count the Git autoscaler had set
        HorizontalPodAutoscaler git = gitAutoscaler(fx, "podinfo");
        WeightedRoutersTest.route(fx);
        canary(fx);
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            HorizontalPodAutoscaler twin = autoscalerNow(fx, "podinfo-primary");
            assertThat(twin.getSpec().getScaleTargetRef().getName()).isEqualTo("podinfo-primary");
            assertThat(twin.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
            assertThat(twin.getSpec().getMinReplicas()).isEqualTo(2);
            assertThat(twin.getSpec().getMaxReplicas()).isEqualTo(10);
            assertThat(twin.getSpec().getMetrics()).isEqualTo(git.getSpec().getMetrics());
            assertThat(twin.getSpec().getBehavior()).isEqualTo(git.getSpec().getBehavior());
            assertThat(twin.getMetadata().getOwnerReferences()).extracting(o -> o.getKind()).containsExactly("Canary");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).isEqualTo(4);
                assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).as("the Git autoscaler idles at 0")
                        .isZero();
            });

            autoscale(fx, "podinfo-primary", 8);
            try (Changes<Integer> canaryPods = new Changes<>(() -> fx.deploymentNow("podinfo").getSpec()
                    .getReplicas());
                    Changes<Integer> primaryPods = new Changes<>(() -> fx.deploymentNow("podinfo-primary").getSpec()
                            .getReplicas());
                    Changes<String> weights = new Changes<>(() -> WeightedRoutersTest.weights(
                            WeightedRoutersTest.routeNow(fx)))) {
                // One commit: a new version, and an autoscaler that may go higher.
                fx.setImage("podinfo", "hpa-2");
                client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(fx.ns).withName("podinfo")
                        .edit(h -> {
                            h.getSpec().setMaxReplicas(12);
                            return h;
                        });
                await().atMost(RUN).until(() -> weights.seen().contains("90/10"));
                // The canary takes load: the Git autoscaler gives it 3 pods, above the step's 1.
                autoscale(fx, "podinfo", 3);
                await().atMost(RUN).until(() -> weights.seen().contains("50/50"));
                assertThat(autoscalerNow(fx, "podinfo-primary").getSpec().getMaxReplicas())
                        .as("the primary keeps its settings until the revision they came with is promoted")
                        .isEqualTo(10);
                CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
                await().atMost(Duration.ofSeconds(10)).until(() -> fx.deploymentNow("podinfo").getSpec()
                        .getReplicas() == 0);
                assertThat(done.getStableRevision()).isEqualTo(done.getCanaryRevision());
                assertThat(weights.seen()).containsExactly("podinfo", "90/10", "50/50", "0/100", "100/0");
                assertThat(canaryPods.seen())
                        .as("sized for its share of 8 pods (1, 4, 8), never taken below what its autoscaler set")
                        .containsExactly(0, 1, 3, 4, 8, 0);
                assertThat(primaryPods.seen()).as("the primary's size is its autoscaler's alone")
                        .containsExactly(8);
            }
            HorizontalPodAutoscaler handedOver = autoscalerNow(fx, "podinfo-primary");
            assertThat(handedOver.getSpec().getMaxReplicas()).isEqualTo(12);
            assertThat(handedOver.getSpec().getScaleTargetRef().getName()).isEqualTo("podinfo-primary");
            Deployment primary = fx.deploymentNow("podinfo-primary");
            assertThat(Fixtures.image(primary)).isEqualTo(Fixtures.IMAGE + "hpa-2");

            // A change to the autoscaler alone reaches the primary's without a run.
            client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(fx.ns).withName("podinfo").edit(h -> {
                h.getSpec().setMinReplicas(3);
                return h;
            });
            autoscale(fx, "podinfo-primary", 7);
            await().atMost(Duration.ofSeconds(10)).until(() -> autoscalerNow(fx, "podinfo-primary").getSpec()
                    .getMinReplicas() == 3);
            assertThat(recorder.phases()).doesNotContain(Phase.Failed, Phase.RolledBack);

            client.resources(Canary.class).inNamespace(fx.ns).withName("podinfo").delete();
            await().atMost(Duration.ofSeconds(30)).until(() -> fx.canaryNow("podinfo") == null);
            HorizontalPodAutoscaler left = autoscalerNow(fx, "podinfo-primary");
            assertThat(left).as("it stays with the primary, which serves on").isNotNull();
            assertThat(left.getMetadata().getOwnerReferences()).isNullOrEmpty();
        }
    }

    @Test
    void anAutoscalerOfAnotherWorkloadIsInvalidAndNothingIsCreated() {
        Fixtures fx = new Fixtures(client, "hpa-other");
        fx.applyShippedTemplates(WeightedRoutersTest.ENVOY_TEMPLATES);
        fx.deployment("podinfo", "ho-1", 4);
        gitAutoscaler(fx, "checkout");
        WeightedRoutersTest.route(fx);
        canary(fx);
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            CanaryStatus s = recorder.awaitPhase(Phase.Invalid, RUN);
            assertThat(s.getMessage()).isEqualTo("invalid: spec.autoscalerRef: HorizontalPodAutoscaler 'podinfo' "
                    + "scales Deployment 'checkout'; it must scale the target, Deployment 'podinfo'");
            assertThat(fx.deploymentNow("podinfo-primary")).isNull();
            assertThat(autoscalerNow(fx, "podinfo-primary")).isNull();
            assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isEqualTo(4);
        }
    }
}
