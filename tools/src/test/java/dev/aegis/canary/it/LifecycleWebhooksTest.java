package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.Event;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.HookType;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.WebhookSpec;

/** Each lifecycle webhook's effect on a run, against local HTTP receivers. */
@QuarkusTest
class LifecycleWebhooksTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(90);

    static WebhookSpec hook(String name, HookType type, Receiver receiver) {
        WebhookSpec h = new WebhookSpec(name, type, receiver.address());
        h.setTimeout("2s");
        return h;
    }

    @Test
    void gatesHoldTheRunUntilTheyAnswer2xxAndChecksAndTheEndCallTheirHooks() throws Exception {
        Fixtures fx = new Fixtures(client, "hooks");
        try (Receiver start = new Receiver().answeringAlways(403);
                Receiver more = new Receiver().answeringAlways(403);
                Receiver promote = new Receiver().answeringAlways(403);
                Receiver smoke = new Receiver();
                Receiver load = new Receiver();
                Receiver post = new Receiver()) {
            fx.applyShippedTemplates();
            fx.deployment("podinfo", "h-1", 4);
            fx.canary("podinfo", "podinfo", spec -> {
                spec.setSteps(List.of(50, 100));
                WebhookSpec approve = hook("approve-start", HookType.CONFIRM_ROLLOUT, start);
                approve.setMetadata(Map.of("team", "edge"));
                spec.setWebhooks(List.of(approve, hook("more-traffic", HookType.CONFIRM_TRAFFIC_INCREASE, more),
                        hook("go-live", HookType.CONFIRM_PROMOTION, promote),
                        hook("smoke", HookType.PRE_ROLLOUT, smoke), hook("load", HookType.ROLLOUT, load),
                        hook("tell-ci", HookType.POST_ROLLOUT, post)));
            });
            try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
                CanaryStatus ready = recorder.awaitPhase(Phase.Ready, RUN);
                assertThat(start.requests()).as("no new revision, nothing to confirm").isEmpty();
                fx.setImage("podinfo", "h-2");

                CanaryStatus waiting = recorder.awaitPhase(Phase.Waiting, RUN);
                assertThat(waiting.getMessage()).startsWith("new revision ").endsWith(" waits for confirm-rollout: "
                        + "webhook 'approve-start' answered HTTP 403 (stable " + ready.getStableRevision()
                        + " serves on the primary)");
                assertThat(waiting.getCanaryRevision()).as("no run started").isEqualTo(ready.getStableRevision());
                assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
                JsonNode asked = start.requests().get(0).json();
                String newRevision = asked.get("canaryRevision").asText();
                assertThat(asked.toString()).isEqualTo("{\"name\":\"podinfo\",\"namespace\":\"" + fx.ns
                        + "\",\"webhook\":\"approve-start\",\"type\":\"confirm-rollout\",\"phase\":\"Ready\","
                        + "\"canaryRevision\":\"" + newRevision + "\",\"checksum\":\"" + newRevision + "\","
                        + "\"stableRevision\":\"" + ready.getStableRevision() + "\",\"step\":null,\"steps\":2,"
                        + "\"weight\":0,\"metadata\":{\"team\":\"edge\"}}");

                start.answeringAlways(200);
                await().atMost(RUN).until(() -> recorder.weights().contains(50));
                await().atMost(RUN).until(() -> fx.canaryNow("podinfo").getStatus().getMessage().contains(
                        "waiting for confirm-traffic-increase: webhook 'more-traffic' answered HTTP 403"));
                assertThat(fx.canaryNow("podinfo").getStatus().getWeight()).isEqualTo(50);

                more.answeringAlways(200);
                CanaryStatus waitingPromotion = recorder.awaitPhase(Phase.WaitingPromotion, RUN);
                assertThat(waitingPromotion.getWeight()).isEqualTo(100);
                assertThat(waitingPromotion.getMessage()).contains("waiting for confirm-promotion: webhook 'go-live' "
                        + "answered HTTP 403");
                assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).as("the split stays")
                        .isZero();

                promote.answeringAlways(200);
                CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
                assertThat(done.getStableRevision()).isEqualTo(newRevision);
                assertThat(recorder.weights()).containsExactly(50, 100);

                // pre-rollout went with the checks of the first step only, rollout with every check
                assertThat(smoke.requests()).isNotEmpty().allSatisfy(r -> assertThat(r.json().get("step").asInt())
                        .isEqualTo(1));
                assertThat(load.requests()).extracting(r -> r.json().get("step").asInt()).contains(1, 2);
                assertThat(done.getLastAnalysis()).extracting(MetricResult::getMetric).contains("webhook load");
                await().atMost(Duration.ofSeconds(10)).until(() -> post.requests().size() == 1);
                JsonNode end = post.requests().get(0).json();
                assertThat(end.get("type").asText()).isEqualTo("post-rollout");
                assertThat(end.get("phase").asText()).isEqualTo("Succeeded");
                assertThat(end.get("canaryRevision").asText()).isEqualTo(newRevision);
                assertThat(fx.events("podinfo")).extracting(Event::getReason).containsSubsequence("Waiting",
                        "NewRevision", "StepAdvanced", "WaitingPromotion", "Promoting", "Succeeded");
            }
        }
    }

    @Test
    void aRolloutHookThatFailsFailsTheCheck() throws Exception {
        Fixtures fx = new Fixtures(client, "hooks-fail");
        try (Receiver load = new Receiver().answeringAlways(500); Receiver post = new Receiver()) {
            fx.applyShippedTemplates();
            fx.deployment("podinfo", "hf-1", 4);
            fx.canary("podinfo", "podinfo", spec -> {
                spec.setSteps(List.of(50, 100));
                spec.setWebhooks(List.of(hook("load-test", HookType.ROLLOUT, load),
                        hook("tell-ci", HookType.POST_ROLLOUT, post)));
            });
            try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
                recorder.awaitPhase(Phase.Ready, RUN);
                fx.setImage("podinfo", "hf-2");
                CanaryStatus s = recorder.awaitPhase(Phase.RolledBack, RUN);
                assertThat(s.getMessage()).isEqualTo("rolled back revision " + s.getCanaryRevision()
                        + " at step 1/2 (50%): webhook load-test 500 (want 2xx)");
                await().atMost(Duration.ofSeconds(10)).until(() -> post.requests().size() == 1);
                assertThat(post.requests().get(0).json().get("phase").asText()).isEqualTo("RolledBack");
            }
        }
    }

    @Test
    void aPreRolloutHookThatCannotBeReachedFailsTheFirstCheck() throws Exception {
        Fixtures fx = new Fixtures(client, "hooks-pre");
        Receiver gone = new Receiver();
        gone.close(); // nothing listens on its port any more
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "hp-1", 4);
        fx.canary("podinfo", "podinfo", spec -> spec.setWebhooks(List.of(hook("smoke", HookType.PRE_ROLLOUT,
                gone))));
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "hp-2");
            CanaryStatus s = recorder.awaitPhase(Phase.RolledBack, RUN);
            assertThat(s.getMessage()).startsWith("rolled back revision " + s.getCanaryRevision()
                    + " at step 1/4 (1%): webhook smoke could not be reached (ConnectException");
        }
    }

    @Test
    void aRollbackHookAnswering2xxRollsTheRunBackAtOnce() throws Exception {
        Fixtures fx = new Fixtures(client, "hooks-rb");
        try (Receiver killSwitch = new Receiver().answeringAlways(404)) {
            fx.applyShippedTemplates();
            fx.deployment("podinfo", "hr-1", 4);
            fx.canary("podinfo", "podinfo", spec -> {
                spec.setSteps(List.of(25, 50, 100));
                spec.setWebhooks(List.of(hook("kill-switch", HookType.ROLLBACK, killSwitch)));
            });
            try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
                recorder.awaitPhase(Phase.Ready, RUN);
                fx.setImage("podinfo", "hr-2");
                await().atMost(RUN).until(() -> recorder.weights().contains(50));
                killSwitch.answeringAlways(200);
                CanaryStatus s = recorder.awaitPhase(Phase.RolledBack, RUN);
                assertThat(s.getMessage()).isEqualTo("rolled back revision " + s.getCanaryRevision()
                        + " at step 2/3 (50%): rollback webhook 'kill-switch' answered HTTP 200");
                assertThat(recorder.weights()).containsExactly(25, 50);
            }
        }
    }

    @Test
    void aHookThatStallsAfterItsHeadersIsCutOffAtItsTimeout() throws Exception {
        Fixtures fx = new Fixtures(client, "hooks-stall");
        try (Receiver load = new Receiver().stallingInTheBody()) {
            fx.applyShippedTemplates();
            fx.deployment("podinfo", "hs-1", 4);
            fx.canary("podinfo", "podinfo", spec -> {
                WebhookSpec h = hook("load-test", HookType.ROLLOUT, load);
                h.setTimeout("1s");
                spec.setWebhooks(List.of(h));
            });
            try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
                recorder.awaitPhase(Phase.Ready, RUN);
                fx.setImage("podinfo", "hs-2");
                CanaryStatus s = recorder.awaitPhase(Phase.RolledBack, RUN);
                assertThat(s.getMessage()).isEqualTo("rolled back revision " + s.getCanaryRevision()
                        + " at step 1/4 (1%): webhook load-test did not answer within 1s (want 2xx)");
            }
        }
    }
}
