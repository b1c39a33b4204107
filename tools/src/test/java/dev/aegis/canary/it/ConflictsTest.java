package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.it.OtherWriter.Armed;
import dev.aegis.canary.it.OtherWriter.Patch;
import dev.aegis.canary.it.StatusRecorder.Step;
import dev.aegis.canary.rollout.ManualRequest;

/**
 * Another writer changes the Canary, the target or the route between the controller's read and its write: the
 * controller's write is refused (409 Conflict) or lands on the newer version, and the controller re-reads and
 * converges. The other writer's change stays, and every step of the run is taken exactly once.
 */
@QuarkusTest
class ConflictsTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(60);
    static final String FLUX_LABEL = "kustomize.toolkit.fluxcd.io/name";

    @KubernetesTestServer
    KubernetesServer server;

    /** A Deployment of 4 pods under a Canary of steps 50, 100, its run under way at 50%. */
    private Fixtures runAt50(String prefix, StatusRecorder[] recorder) {
        Fixtures fx = new Fixtures(client, prefix);
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 4);
        fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(50, 100)));
        recorder[0] = new StatusRecorder(fx, "podinfo", "podinfo");
        recorder[0].awaitPhase(Phase.Ready, RUN);
        fx.setImage("podinfo", "2.0.0");
        await().atMost(RUN).until(() -> recorder[0].weights().contains(50));
        return fx;
    }

    private static String path(Fixtures fx, String resource, String name) {
        return switch (resource) {
            case "canaries" -> "/apis/canary.aegis.dev/v1alpha1/namespaces/" + fx.ns + "/canaries/" + name;
            case "deployments" -> "/apis/apps/v1/namespaces/" + fx.ns + "/deployments/" + name;
            case "httproutes" -> "/apis/gateway.networking.k8s.io/v1/namespaces/" + fx.ns + "/httproutes/" + name;
            default -> throw new IllegalArgumentException(resource);
        };
    }

    /** Each step advanced once, the run promoted once, and a conflict is no Warning: it resolved itself. */
    private static void eachStepToldOnce(Fixtures fx) {
        List<Event> events = fx.events("podinfo");
        assertThat(events).filteredOn(e -> List.of("ApplyFailed", "ReconcileFailed").contains(e.getReason()))
                .extracting(Event::getMessage).isEmpty();
        assertThat(events).filteredOn(e -> "StepAdvanced".equals(e.getReason())).extracting(Event::getMessage)
                .singleElement().asString().startsWith("step 2/2: 100% after ");
        assertThat(events).filteredOn(e -> List.of("NewRevision", "Promoting", "Succeeded").contains(e.getReason()))
                .extracting(Event::getReason).containsExactly("NewRevision", "Promoting", "Succeeded");
    }

    @Test
    void aPauseRequestWrittenWhileTheStatusWriteIsRefusedIsHonouredAndNoStepIsLost() {
        StatusRecorder[] r = new StatusRecorder[1];
        Fixtures fx = runAt50("conflict-status", r);
        try (StatusRecorder recorder = r[0]) {
            CanaryStatus before = fx.canaryNow("podinfo").getStatus();
            // The next status write (a check's result or the step's advance) is refused: a person asked to pause
            // between the controller's read of the Canary and its write.
            Armed armed = new OtherWriter(server).conflictOnNextPatch(path(fx, "canaries", "podinfo") + "/status",
                    Patch.merge(path(fx, "canaries", "podinfo"), Map.of("metadata", Map.of("annotations", Map.of(
                            ManualRequest.ANNOTATION, "pause", ManualRequest.BY_ANNOTATION, "alice")))));
            await().atMost(RUN).until(armed::served);
            assertThat(armed.code()).isEqualTo(409);

            await().atMost(Duration.ofSeconds(10)).until(() -> fx.canaryNow("podinfo").getStatus().getPaused() != null);
            CanaryStatus paused = fx.canaryNow("podinfo").getStatus();
            assertThat(paused.getPhase()).isEqualTo(Phase.Progressing);
            assertThat(paused.getStepIndex()).as("the refused write moved nothing").isEqualTo(before.getStepIndex());
            assertThat(paused.getWeight()).isEqualTo(50);
            assertThat(paused.getRunStartedAt()).isEqualTo(before.getRunStartedAt());
            assertThat(paused.getMessage()).startsWith("paused by alice; step 1/2: 50% (");
            assertThat(fx.canaryNow("podinfo").getMetadata().getAnnotations()).as("the request was taken")
                    .doesNotContainKey(ManualRequest.ANNOTATION);

            fx.request("podinfo", "resume", "bob");
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(recorder.steps()).extracting(Step::revision, Step::weight, Step::targetReplicas,
                    Step::primaryReplicas).containsExactly(tuple(done.getCanaryRevision(), 50, 2, 2),
                            tuple(done.getCanaryRevision(), 100, 4, 0));
            assertThat(fx.events("podinfo")).filteredOn(e -> List.of("Paused", "Resumed").contains(e.getReason()))
                    .extracting(Event::getReason).containsExactly("Paused", "Resumed");
            eachStepToldOnce(fx);
        }
    }

    @Test
    void aLabelFluxAddsWhileTheTargetWriteIsRefusedStaysAndTheTargetIsScaledOnce() {
        StatusRecorder[] r = new StatusRecorder[1];
        Fixtures fx = runAt50("conflict-target", r);
        try (StatusRecorder recorder = r[0]) {
            // The next write to the target (its scale-up to 4 for 100%) is refused: Flux labelled it in between.
            Armed armed = new OtherWriter(server).conflictOnNextPatch(OtherWriter.controllerPatch(path(fx,
                    "deployments", "podinfo")),
                    Patch.merge(path(fx, "deployments", "podinfo"), Map.of("metadata", Map.of("labels", Map.of(
                            FLUX_LABEL, "apps")))));
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(armed.served()).as("the target write was refused once").isTrue();
            assertThat(armed.code()).isEqualTo(409);

            assertThat(recorder.steps()).extracting(Step::revision, Step::weight, Step::targetReplicas,
                    Step::primaryReplicas).containsExactly(tuple(done.getCanaryRevision(), 50, 2, 2),
                            tuple(done.getCanaryRevision(), 100, 4, 0));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
                assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).isEqualTo(4);
                assertThat(Fixtures.image(fx.deploymentNow("podinfo-primary"))).isEqualTo(Fixtures.IMAGE + "2.0.0");
            });
            assertThat(fx.deploymentNow("podinfo").getMetadata().getLabels()).as("Flux's label is Flux's")
                    .containsEntry(FLUX_LABEL, "apps");
            eachStepToldOnce(fx);
        }
    }

    /** The rule of the route that sends to podinfo's Services: "primary/canary" weights, or its backends' names. */
    static String podinfoWeights(HTTPRoute route) {
        HTTPRouteRule rule = route.getSpec().getRules().stream()
                .filter(x -> x.getBackendRefs().stream().anyMatch(b -> b.getName().startsWith("podinfo")))
                .findFirst().orElseThrow();
        List<HTTPBackendRef> refs = rule.getBackendRefs();
        if (refs.size() == 2 && refs.get(0).getName().endsWith("-primary")) {
            return refs.get(0).getWeight() + "/" + refs.get(1).getWeight();
        }
        return String.join(",", refs.stream().map(HTTPBackendRef::getName).toList());
    }

    @Test
    void rulesReorderedBetweenTheRoutesReadAndWriteGetTheWeightsOnTheRightRule() {
        Fixtures fx = new Fixtures(client, "conflict-route");
        fx.applyShippedTemplates(WeightedRoutersTest.ENVOY_TEMPLATES);
        fx.deployment("podinfo", "cr-1", 4);
        HTTPRoute original = WeightedRoutersTest.route(fx);
        fx.canary("podinfo", "podinfo", spec -> {
            spec.setSteps(List.of(50, 100));
            WeightedRoutersTest.onGatewayApi(spec);
        });
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo");
                Changes<String> seen = new Changes<>(() -> podinfoWeights(WeightedRoutersTest.routeNow(fx)))) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "cr-2");
            await().atMost(RUN).until(() -> recorder.weights().contains(50));

            // Between the controller's read of the route and its write for 100%, someone moves the /admin rule
            // first and labels the route. The API server takes the controller's write as it comes.
            String route = path(fx, "httproutes", "podinfo");
            Armed armed = new OtherWriter(server).changeBeforeNextPatch(OtherWriter.controllerPatch(route),
                    Patch.json(route,
                            "[{\"op\":\"move\",\"from\":\"/spec/rules/1\",\"path\":\"/spec/rules/0\"},"
                                    + "{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"" + FLUX_LABEL
                                    + "\":\"apps\"}}]"));
            recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(armed.served()).isTrue();
            assertThat(armed.code()).as("refused: the write was for the route as read").isEqualTo(409);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> podinfoWeights(WeightedRoutersTest.routeNow(fx)).equals("100/0"));

            HTTPRoute after = WeightedRoutersTest.routeNow(fx);
            assertThat(after.getSpec().getRules()).as("the /admin rule, moved first, untouched").hasSize(2)
                    .first().isEqualTo(original.getSpec().getRules().get(1));
            assertThat(after.getSpec().getRules().get(1).getMatches()).isEqualTo(original.getSpec().getRules().get(0)
                    .getMatches());
            assertThat(after.getMetadata().getLabels()).containsEntry(FLUX_LABEL, "apps");
            assertThat(seen.seen()).containsExactly("podinfo", "50/50", "0/100", "100/0");
            assertThat(recorder.steps()).extracting(Step::weight, Step::effectiveWeight).containsExactly(
                    tuple(50, 50), tuple(100, 100));
            eachStepToldOnce(fx);
        }
    }
}
