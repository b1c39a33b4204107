package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.it.StatusRecorder.Step;
import dev.aegis.canary.sim.VersionBehaviour;

/** What happens around a run: a newer revision mid-run, a canary that never gets ready, deleting the Canary. */
@QuarkusTest
class RunLifecycleTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(90);

    @Test
    void aNewerRevisionMidRunRestartsAtTheFirstStepAndIsTheOnePromoted() {
        Fixtures fx = new Fixtures(client, "restart");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 4);
        fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(25, 50, 100)));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "2.0.0");
            await().atMost(RUN).until(() -> recorder.weights().contains(50));
            String first = fx.canaryNow("podinfo").getStatus().getCanaryRevision();
            fx.setImage("podinfo", "3.0.0");
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);

            assertThat(done.getCanaryRevision()).isNotEqualTo(first);
            List<Step> steps = recorder.steps();
            assertThat(steps).extracting(Step::revision, Step::weight).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(first, 25),
                    org.assertj.core.groups.Tuple.tuple(first, 50),
                    org.assertj.core.groups.Tuple.tuple(done.getCanaryRevision(), 25),
                    org.assertj.core.groups.Tuple.tuple(done.getCanaryRevision(), 50),
                    org.assertj.core.groups.Tuple.tuple(done.getCanaryRevision(), 100));
            assertThat(fx.events("podinfo")).extracting(Event::getReason).containsSubsequence("NewRevision",
                    "RevisionChanged", "Succeeded");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    Fixtures.image(fx.deploymentNow("podinfo-primary"))).isEqualTo(Fixtures.IMAGE + "3.0.0"));
        }
    }

    @Test
    void aCanaryThatNeverBecomesReadyIsRolledBackAtItsProgressDeadline() {
        Fixtures fx = new Fixtures(client, "deadline");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 4);
        fx.canary("podinfo", "podinfo", spec -> spec.setProgressDeadline("3s"));
        fleet.setBehaviour(Fixtures.IMAGE + "9.9.9", VersionBehaviour.healthy().neverReady());
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "9.9.9");
            CanaryStatus s = recorder.awaitPhase(Phase.RolledBack, RUN);
            assertThat(s.getMessage()).isEqualTo("rolled back revision " + s.getCanaryRevision()
                    + " at step 1/4 (1%): canary not ready within 3s (progressDeadline): canary: 0/1 pods ready");
            assertThat(recorder.steps()).isEmpty();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
                Deployment primary = fx.deploymentNow("podinfo-primary");
                assertThat(primary.getSpec().getReplicas()).isEqualTo(4);
                assertThat(primary.getStatus().getAvailableReplicas()).isEqualTo(4);
            });
        }
    }

    @Test
    void rollingBackFromTheLastStepNeverLeavesTheWorkloadShortOfReadyPods() throws Exception {
        Fixtures fx = new Fixtures(client, "capacity");
        fx.applyShippedTemplates();
        // the primary's pods take 1.5 s to be ready: going back to the primary is not instant
        fleet.setBehaviour(Fixtures.IMAGE + "cap-1", VersionBehaviour.healthy().withReadyAfter(Duration.ofMillis(
                1500)));
        fleet.setBehaviour(Fixtures.IMAGE + "cap-2", VersionBehaviour.healthy());
        fx.deployment("podinfo", "cap-1", 4);
        fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(50, 100)));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "cap-2");
            await().atMost(RUN).until(() -> recorder.weights().contains(100));
            assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).isZero();

            java.util.concurrent.atomic.AtomicInteger fewest = new java.util.concurrent.atomic.AtomicInteger(99);
            java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    fewest.accumulateAndGet(available(fx.deploymentNow("podinfo"))
                            + available(fx.deploymentNow("podinfo-primary")), Math::min);
                }
            });
            sampler.start();
            fleet.setBehaviour(Fixtures.IMAGE + "cap-2", VersionBehaviour.healthy().withErrorRatio(0.2));
            recorder.awaitPhase(Phase.RolledBack, RUN);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> fx.deploymentNow("podinfo").getStatus().getReplicas() == 0
                            && available(fx.deploymentNow("podinfo-primary")) == 4);
            sampling.set(false);
            sampler.join();
            assertThat(fewest.get()).as("ready pods of both versions, at every moment of the rollback")
                    .isGreaterThanOrEqualTo(4);
        }
    }

    static int available(Deployment d) {
        return d.getStatus() == null || d.getStatus().getAvailableReplicas() == null
                ? 0
                : d.getStatus().getAvailableReplicas();
    }

    @Test
    void deletingTheCanaryMidRunLeavesThePrimaryServingAlone() {
        Fixtures fx = new Fixtures(client, "delete");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 4);
        fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(50, 100)));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "2.0.0");
            await().atMost(RUN).until(() -> recorder.weights().contains(50));
            assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isEqualTo(2);

            client.resources(Canary.class).inNamespace(fx.ns).withName("podinfo").delete();
            await().atMost(Duration.ofSeconds(30)).until(() -> fx.canaryNow("podinfo") == null);

            Deployment primary = fx.deploymentNow("podinfo-primary");
            assertThat(Fixtures.image(primary)).isEqualTo(Fixtures.IMAGE + "1.0.0");
            assertThat(primary.getSpec().getReplicas()).isEqualTo(4);
            assertThat(primary.getMetadata().getOwnerReferences()).as("released, so it is not garbage collected")
                    .isNullOrEmpty();
            assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
            assertThat(client.services().inNamespace(fx.ns).withName("podinfo-canary").get()).isNull();
            assertThat(client.services().inNamespace(fx.ns).withName("podinfo").get().getMetadata()
                    .getOwnerReferences()).isNullOrEmpty();
            assertThat(client.services().inNamespace(fx.ns).withName("podinfo-primary").get().getMetadata()
                    .getOwnerReferences()).isNullOrEmpty();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fx.deploymentNow("podinfo-primary")
                    .getStatus().getAvailableReplicas()).isEqualTo(4));
        }
    }

    @Test
    void deletingTheTargetMidRunGivesThePrimaryAllItsPodsBack() {
        Fixtures fx = new Fixtures(client, "target-gone");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 4);
        fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(50, 100)));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "2.0.0");
            await().atMost(RUN).until(() -> recorder.weights().contains(50));
            assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).isEqualTo(2);

            client.apps().deployments().inNamespace(fx.ns).withName("podinfo").delete();
            CanaryStatus s = recorder.awaitPhase(Phase.Invalid, RUN);
            assertThat(s.getMessage()).isEqualTo("invalid: spec.targetRef: Deployment 'podinfo' not found in "
                    + "namespace " + fx.ns);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Deployment primary = fx.deploymentNow("podinfo-primary");
                assertThat(primary.getSpec().getReplicas()).isEqualTo(4);
                assertThat(primary.getStatus().getAvailableReplicas()).isEqualTo(4);
            });
        }
    }

    @Test
    void aTemplateDeletedMidRunGivesTrafficBackToThePrimaryUntilItIsBack() {
        Fixtures fx = new Fixtures(client, "template-gone");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 4);
        fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(50, 100)));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "2.0.0");
            await().atMost(RUN).until(() -> recorder.weights().contains(50));

            client.resources(dev.aegis.canary.api.AnalysisTemplate.class).inNamespace(fx.ns)
                    .withName("request-duration-p99").delete();
            CanaryStatus invalid = recorder.awaitPhase(Phase.Invalid, RUN);
            assertThat(invalid.getMessage()).contains("spec.analysis.metrics[1].templateRef: AnalysisTemplate "
                    + "'request-duration-p99' not found");
            assertThat(invalid.getWeight()).as("the run is remembered").isEqualTo(50);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).isEqualTo(4);
                assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
            });

            fx.applyShippedTemplates(List.of("generic/request-duration-p99.yaml"));
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(recorder.weights()).containsExactly(50, 50, 100);
            assertThat(fx.events("podinfo")).extracting(Event::getReason).containsSubsequence("InvalidSpec",
                    "Resumed", "Succeeded");
            assertThat(done.getCanaryRevision()).isEqualTo(invalid.getCanaryRevision());
        }
    }

    @Test
    void aCanaryAppliedAgainAdoptsThePrimaryItsPredecessorLeft() {
        Fixtures fx = new Fixtures(client, "adopt");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 3);
        fx.canary("podinfo", "podinfo", spec -> {
        });
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
        }
        client.resources(Canary.class).inNamespace(fx.ns).withName("podinfo").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> fx.canaryNow("podinfo") == null);

        Canary again = fx.canary("podinfo", "podinfo", spec -> {
        });
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            Deployment primary = fx.deploymentNow("podinfo-primary");
            assertThat(primary.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(o -> assertThat(o.getUid()).isEqualTo(again.getMetadata().getUid()));
        }
    }
}
