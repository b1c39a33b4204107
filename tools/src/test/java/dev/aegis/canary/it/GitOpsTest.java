package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.it.StatusRecorder.Step;
import dev.aegis.canary.workload.Labels;

/**
 * Flux applying Git's target and Canary mid-run. Unchanged, it changes nothing: the run goes on where it was, and the
 * target's replica count Flux puts back is lowered again at once. A new revision restarts the run at its first step.
 *
 * <p>
 * Flux applies with server-side apply (field manager kustomize-controller, forced). The test API server does not
 * implement it (fabric8 7.6 answers an apply patch with 415 Unsupported Media Type), so Flux's apply is emulated by
 * {@link #fluxApplies}: for fields Git sets it has the same outcome (Git's values win), and fields others set (the
 * controller's replica annotation) stay, as they do under server-side apply.
 */
@QuarkusTest
class GitOpsTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(60);

    /**
     * What Flux's apply of one manifest does to the object: Git's labels and spec win, merged into what is there
     * (maps merged, lists replaced, as server-side apply does with fields Git sets); annotations and fields others
     * set stay. One JSON patch without a resourceVersion (the test server's merge patch appends lists).
     */
    void fluxApplies(HasMetadata manifest) {
        HasMetadata current = client.resource(manifest).get();
        JsonNode now = Serialization.jsonMapper().valueToTree(current);
        JsonNode git = Serialization.jsonMapper().copy().setSerializationInclusion(JsonInclude.Include.NON_NULL)
                .valueToTree(manifest);
        ArrayNode ops = JsonNodeFactory.instance.arrayNode();
        if (git.path("metadata").has("labels")) {
            ops.addObject().put("op", "add").put("path", "/metadata/labels").set("value",
                    merge(now.path("metadata").path("labels"), git.path("metadata").path("labels")));
        }
        ops.addObject().put("op", "add").put("path", "/spec").set("value", merge(now.path("spec"), git.path("spec")));
        client.resource(current).patch(new PatchContext.Builder().withPatchType(PatchType.JSON)
                .withFieldManager("kustomize-controller").build(), ops.toString());
    }

    /** {@code git} over {@code base}: objects merged key by key, anything else replaced. */
    static JsonNode merge(JsonNode base, JsonNode git) {
        if (!base.isObject() || !git.isObject()) {
            return git.deepCopy();
        }
        ObjectNode out = ((ObjectNode) base).deepCopy();
        git.fields().forEachRemaining(f -> out.set(f.getKey(), merge(base.path(f.getKey()), f.getValue())));
        return out;
    }

    /** The Canary as Git holds it: the spec it was created with, nothing the cluster added. */
    static Canary gitCanary(Canary created) {
        Canary git = new Canary();
        git.getMetadata().setName(created.getMetadata().getName());
        git.getMetadata().setNamespace(created.getMetadata().getNamespace());
        git.setSpec(created.getSpec());
        return git;
    }

    @Test
    void fluxReapplyingTheUnchangedTargetAndCanaryMidRunChangesNothing() {
        Fixtures fx = new Fixtures(client, "flux-same");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 4);
        Canary created = fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(50, 100)));
        List<Integer> targetReplicas = new CopyOnWriteArrayList<>(); // every count the target was stored with
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo");
                var watch = client.apps().deployments().inNamespace(fx.ns).withName("podinfo").inform(
                        new ResourceEventHandler<>() {

                            @Override
                            public void onAdd(Deployment d) {
                                onUpdate(d, d);
                            }

                            @Override
                            public void onUpdate(Deployment old, Deployment d) {
                                int n = d.getSpec().getReplicas();
                                if (targetReplicas.isEmpty() || targetReplicas.get(targetReplicas.size() - 1) != n) {
                                    targetReplicas.add(n);
                                }
                            }

                            @Override
                            public void onDelete(Deployment d, boolean unknown) {
                            }
                        })) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "2.0.0");
            await().atMost(RUN).until(() -> recorder.weights().contains(50));
            CanaryStatus before = fx.canaryNow("podinfo").getStatus();
            long generation = fx.canaryNow("podinfo").getMetadata().getGeneration();

            // Git has the new version with its 4 replicas; the controller had lowered the target to 2 for 50%.
            fluxApplies(fx.deploymentManifest("podinfo", "2.0.0", 4));
            fluxApplies(gitCanary(created));
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> assertThat(
                    targetReplicas).as("Flux's 4, lowered back to the step's 2 within a second").endsWith(2, 4, 2));

            CanaryStatus after = fx.canaryNow("podinfo").getStatus();
            assertThat(fx.canaryNow("podinfo").getMetadata().getGeneration()).isEqualTo(generation);
            assertThat(after.getRunStartedAt()).isEqualTo(before.getRunStartedAt());
            assertThat(after.getCanaryRevision()).isEqualTo(before.getCanaryRevision());
            assertThat(after.getTotalReplicas()).isEqualTo(4);
            assertThat(fx.deploymentNow("podinfo").getMetadata().getAnnotations()).containsEntry(Labels.REPLICAS, "2");

            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(done.getRunStartedAt()).isEqualTo(before.getRunStartedAt());
            assertThat(recorder.steps()).extracting(Step::revision, Step::weight, Step::targetReplicas,
                    Step::primaryReplicas).containsExactly(tuple(before.getCanaryRevision(), 50, 2, 2),
                            tuple(before.getCanaryRevision(), 100, 4, 0));
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.deploymentNow("podinfo").getSpec()
                    .getReplicas() == 0);
            assertThat(targetReplicas).as("nothing else moved").endsWith(2, 4, 2, 4, 0);
            List<Event> events = fx.events("podinfo");
            assertThat(events).filteredOn(e -> List.of("ApplyFailed", "ReconcileFailed", "InvalidSpec").contains(e
                    .getReason())).isEmpty();
            assertThat(events).extracting(Event::getReason).filteredOn(r -> List.of("NewRevision", "RevisionChanged",
                    "StepAdvanced", "Promoting", "Scaled", "Succeeded").contains(r)).containsExactly("NewRevision",
                            "StepAdvanced", "Promoting", "Succeeded");
        }
    }

    @Test
    void aNewRevisionFluxAppliesMidRunRestartsTheRunAtItsFirstStepAtItsShare() {
        Fixtures fx = new Fixtures(client, "flux-new");
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "1.0.0", 4);
        Canary created = fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(50, 100)));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "2.0.0");
            await().atMost(RUN).until(() -> recorder.weights().contains(50));
            String first = fx.canaryNow("podinfo").getStatus().getCanaryRevision();

            // One Flux apply: a new version, with Git's 4 replicas, and the Canary as it was.
            fluxApplies(fx.deploymentManifest("podinfo", "3.0.0", 4));
            fluxApplies(gitCanary(created));
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);

            assertThat(done.getCanaryRevision()).isNotEqualTo(first);
            assertThat(recorder.steps()).extracting(Step::revision, Step::weight, Step::targetReplicas,
                    Step::primaryReplicas).containsExactly(tuple(first, 50, 2, 2),
                            tuple(done.getCanaryRevision(), 50, 2, 2), tuple(done.getCanaryRevision(), 100, 4, 0));
            assertThat(fx.events("podinfo")).extracting(Event::getReason).filteredOn(r -> List.of("NewRevision",
                    "RevisionChanged", "StepAdvanced", "Succeeded").contains(r)).containsExactly("NewRevision",
                            "RevisionChanged", "StepAdvanced", "Succeeded");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(Fixtures.image(fx.deploymentNow("podinfo-primary"))).isEqualTo(Fixtures.IMAGE + "3.0.0");
                assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).isEqualTo(4);
                assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
            });
        }
    }
}
