package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.it.StatusRecorder.Step;
import dev.aegis.canary.sim.VersionBehaviour;
import dev.aegis.canary.workload.Labels;

/**
 * The controller end to end on the Kubernetes test server, with the fleet simulator playing the cluster and a real
 * Prometheus scraping the simulated pods.
 */
@QuarkusTest
class DeploymentRolloutTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(90);

    /** A Deployment of 10 pods of 1.0.0 under a Canary that has reached Ready. */
    private Fixtures readyCanary(String prefix, StatusRecorder[] recorder) {
        Fixtures fx = new Fixtures(client, prefix);
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 10);
        fx.canary("podinfo", "podinfo", spec -> {
        });
        recorder[0] = new StatusRecorder(fx, "podinfo", "podinfo");
        recorder[0].awaitPhase(Phase.Ready, RUN);
        return fx;
    }

    @Test
    void firstSightCopiesTheTargetToAPrimaryThatServesAloneWithItsServices() {
        StatusRecorder[] rec = new StatusRecorder[1];
        Fixtures fx = readyCanary("init", rec);
        try (StatusRecorder recorder = rec[0]) {
            Canary canary = fx.canaryNow("podinfo");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> fx.deploymentNow("podinfo").getSpec().getReplicas() == 0);
            Deployment primary = fx.deploymentNow("podinfo-primary");
            assertThat(Fixtures.image(primary)).isEqualTo(Fixtures.IMAGE + "1.0.0");
            assertThat(primary.getSpec().getReplicas()).isEqualTo(10);
            assertThat(primary.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
                assertThat(o.getKind()).isEqualTo("Canary");
                assertThat(o.getUid()).isEqualTo(canary.getMetadata().getUid());
                assertThat(o.getController()).isTrue();
            });
            assertThat(primary.getSpec().getSelector().getMatchLabels())
                    .isEqualTo(Map.of("app", "podinfo", Labels.ROLE, Labels.ROLE_PRIMARY));
            assertThat(canary.getStatus().getStableRevision()).isNotNull();
            assertThat(canary.getStatus().getTotalReplicas()).isEqualTo(10);
            assertThat(recorder.phases()).containsExactly(Phase.Initializing, Phase.Ready);

            Map<String, Service> services = Map.of(
                    "podinfo", client.services().inNamespace(fx.ns).withName("podinfo").get(),
                    "podinfo-primary", client.services().inNamespace(fx.ns).withName("podinfo-primary").get(),
                    "podinfo-canary", client.services().inNamespace(fx.ns).withName("podinfo-canary").get());
            assertThat(services.get("podinfo").getSpec().getSelector()).isEqualTo(Map.of("app", "podinfo"));
            assertThat(services.get("podinfo-primary").getSpec().getSelector())
                    .isEqualTo(Map.of("app", "podinfo", Labels.ROLE, Labels.ROLE_PRIMARY));
            ReplicaSet targetRs = client.apps().replicaSets().inNamespace(fx.ns).withLabel("app", "podinfo").list()
                    .getItems().stream().filter(rs -> rs.getMetadata().getName().startsWith("podinfo-")
                            && !rs.getMetadata().getName().startsWith("podinfo-primary"))
                    .findFirst().orElseThrow();
            assertThat(services.get("podinfo-canary").getSpec().getSelector()).isEqualTo(Map.of("app", "podinfo",
                    Labels.POD_TEMPLATE_HASH, targetRs.getMetadata().getLabels().get(Labels.POD_TEMPLATE_HASH)));
            services.values().forEach(s -> {
                assertThat(s.getSpec().getPorts()).singleElement().satisfies(p -> {
                    assertThat(p.getPort()).isEqualTo(80);
                    assertThat(p.getTargetPort().getIntVal()).isEqualTo(9898);
                });
            });
            assertThat(fx.events("podinfo")).extracting(Event::getReason).contains("Initialized");
        }
    }

    @Test
    void aHealthyVersionIsPromotedThroughEveryStep() {
        StatusRecorder[] rec = new StatusRecorder[1];
        Fixtures fx = readyCanary("healthy", rec);
        try (StatusRecorder recorder = rec[0]) {
            fleet.setBehaviour(Fixtures.IMAGE + "1.1.0", VersionBehaviour.healthy());
            fx.setImage("podinfo", "1.1.0");
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);

            // 10 pods: 1% and 10% are one pod, 50% five, 100% all ten; the primary runs the rest
            assertThat(recorder.steps()).extracting(Step::weight, Step::effectiveWeight, Step::targetReplicas,
                    Step::primaryReplicas)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(1, 10, 1, 9),
                            org.assertj.core.groups.Tuple.tuple(10, 10, 1, 9),
                            org.assertj.core.groups.Tuple.tuple(50, 50, 5, 5),
                            org.assertj.core.groups.Tuple.tuple(100, 100, 10, 0));
            assertThat(recorder.phases()).containsSubsequence(Phase.Ready, Phase.Progressing, Phase.Promoting,
                    Phase.Succeeded);
            assertThat(done.getStableRevision()).isEqualTo(done.getCanaryRevision());
            assertThat(done.getPassedChecks()).isEqualTo(4);
            assertThat(done.getFailedChecks()).isZero();
            assertThat(done.getMessage())
                    .startsWith("promoted revision " + done.getCanaryRevision() + " after 4 steps");

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Deployment primary = fx.deploymentNow("podinfo-primary");
                assertThat(Fixtures.image(primary)).isEqualTo(Fixtures.IMAGE + "1.1.0");
                assertThat(primary.getSpec().getReplicas()).isEqualTo(10);
                assertThat(primary.getStatus().getAvailableReplicas()).isEqualTo(10);
                assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
            });

            // what was sent to Prometheus: the canary's pods only, by the ReplicaSet of the revision under test
            ReplicaSet canaryRs = client.apps().replicaSets().inNamespace(fx.ns).list().getItems().stream()
                    .filter(rs -> rs.getMetadata().getName().startsWith("podinfo-")
                            && !rs.getMetadata().getName().startsWith("podinfo-primary")
                            && Fixtures.IMAGE.concat("1.1.0").equals(rs.getSpec().getTemplate().getSpec()
                                    .getContainers().get(0).getImage()))
                    .findFirst().orElseThrow();
            String pods = "^(" + canaryRs.getMetadata().getName().replace(".", "\\\\.") + "-)[a-z0-9]{5}$";
            assertThat(done.getLastAnalysis()).extracting(MetricResult::getMetric, MetricResult::getResult)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("success-rate", CheckResult.Pass),
                            org.assertj.core.groups.Tuple.tuple("latency-p99", CheckResult.Pass));
            assertThat(done.getLastAnalysis().get(0).getQuery()).isEqualTo(
                    "100 * sum(rate(http_requests_total{namespace=\"" + fx.ns + "\",pod=~\"" + pods
                            + "\",code!~\"5..\"}[4s]))\n"
                            + "  / sum(rate(http_requests_total{namespace=\"" + fx.ns + "\",pod=~\"" + pods
                            + "\"}[4s]))\n");
            assertThat(done.getLastAnalysis().get(0).getValue()).isCloseTo(99.9, within(0.05));
            assertThat(done.getLastAnalysis().get(1).getValue()).isBetween(50.0, 100.0);

            assertThat(fx.events("podinfo")).extracting(Event::getReason)
                    .containsSubsequence("NewRevision", "StepAdvanced", "StepAdvanced", "StepAdvanced", "Promoting",
                            "Succeeded");
        }
    }

    @Test
    void aVersionThatFailsRequestsIsRolledBackAtTheFirstStep() {
        StatusRecorder[] rec = new StatusRecorder[1];
        Fixtures fx = readyCanary("bad", rec);
        try (StatusRecorder recorder = rec[0]) {
            fleet.setBehaviour(Fixtures.IMAGE + "6.6.6", VersionBehaviour.healthy().withErrorRatio(0.08));
            fx.setImage("podinfo", "6.6.6");
            CanaryStatus s = recorder.awaitPhase(Phase.RolledBack, RUN);

            assertThat(recorder.weights()).containsExactly(1);
            assertThat(s.getWeight()).isZero();
            assertThat(s.getFailedChecks()).isEqualTo(1);
            MetricResult successRate = s.getLastAnalysis().get(0);
            assertThat(successRate.getResult()).isEqualTo(CheckResult.Fail);
            assertThat(successRate.getValue()).isCloseTo(92.0, within(0.05));
            assertThat(s.getMessage()).startsWith("rolled back revision " + s.getCanaryRevision()
                    + " at step 1/4 (1%): success-rate 92")
                    .endsWith("(want >= 99)");

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Deployment primary = fx.deploymentNow("podinfo-primary");
                assertThat(Fixtures.image(primary)).isEqualTo(Fixtures.IMAGE + "1.0.0");
                assertThat(primary.getSpec().getReplicas()).isEqualTo(10);
                assertThat(primary.getStatus().getAvailableReplicas()).isEqualTo(10);
                Deployment target = fx.deploymentNow("podinfo");
                assertThat(target.getSpec().getReplicas()).isZero();
                assertThat(target.getStatus().getReplicas()).isZero();
            });
            List<Event> events = fx.events("podinfo");
            assertThat(events).filteredOn(e -> "RolledBack".equals(e.getReason())).singleElement()
                    .satisfies(e -> {
                        assertThat(e.getType()).isEqualTo("Warning");
                        assertThat(e.getMessage()).isEqualTo(s.getMessage());
                    });
            // the rolled-back revision is not tried again while Git still asks for it
            assertThat(fx.canaryNow("podinfo").getStatus().getPhase()).isEqualTo(Phase.RolledBack);
        }
    }

    @Test
    void noDataFromPrometheusIsNeverAPass() {
        Fixtures fx = new Fixtures(client, "nodata");
        fx.template("no-such-metric", "sum(rate(no_such_metric_total{namespace=\"{{namespace}}\","
                + "pod=~\"{{canaryPods}}\"}[{{interval}}]))");
        fx.deployment("podinfo", "1.0.0", 4);
        fx.canary("podinfo", "podinfo", spec -> {
            spec.getAnalysis().setMetrics(List.of(new dev.aegis.canary.api.MetricSpec("throughput",
                    new dev.aegis.canary.api.TemplateRef("no-such-metric", null),
                    new dev.aegis.canary.api.ThresholdRange(0.0, null))));
            spec.getAnalysis().setNoDataLimit(2);
        });
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "1.1.0");
            CanaryStatus s = recorder.awaitPhase(Phase.RolledBack, RUN);

            assertThat(recorder.weights()).as("never moved past the first step").containsExactly(1);
            assertThat(recorder.statuses()).anySatisfy(held -> {
                assertThat(held.getPhase()).isEqualTo(Phase.Progressing);
                assertThat(held.getNoDataChecks()).isEqualTo(1);
                assertThat(held.getMessage()).contains("holding: no data for ").contains("(1 check; rolled back at "
                        + "8s)");
            });
            assertThat(s.getLastAnalysis()).singleElement().satisfies(r -> {
                assertThat(r.getResult()).isEqualTo(CheckResult.NoData);
                assertThat(r.getValue()).isNull();
            });
            assertThat(s.getMessage()).contains("(limit 8s: noDataLimit 2 × window 4s)")
                    .contains("throughput: no data (no samples");
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero());
        }
    }
}
