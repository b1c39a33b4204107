package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.api.RequestStatus;
import dev.aegis.canary.cli.ControlCommand;
import dev.aegis.canary.rollout.ManualRequest;

/** A person in the loop: pause, resume, promote, abort and retry, by annotation and by the CLI, in full runs. */
@QuarkusTest
class ManualControlTest extends FleetTest {

    static final Duration RUN = Duration.ofSeconds(90);

    private Fixtures readyCanary(String prefix, String version) {
        Fixtures fx = new Fixtures(client, prefix);
        fx.applyShippedTemplates();
        fx.deployment("podinfo", version, 4);
        fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(25, 50, 100)));
        return fx;
    }

    private RequestStatus awaitRequest(Fixtures fx, String action, String by) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            RequestStatus r = fx.canaryNow("podinfo").getStatus().getLastRequest();
            return r != null && action.equals(r.getAction()) && by.equals(r.getRequestedBy());
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> fx.canaryNow("podinfo").getMetadata().getAnnotations()
                .get(ManualRequest.ANNOTATION) == null);
        assertThat(fx.canaryNow("podinfo").getMetadata().getAnnotations()).as("who asked goes with the request")
                .doesNotContainKey(ManualRequest.BY_ANNOTATION).doesNotContainKey(ManualRequest.ID_ANNOTATION);
        return fx.canaryNow("podinfo").getStatus().getLastRequest();
    }

    @Test
    void pauseHoldsANewRevisionAndAStepWhileChecksGoOnThenResumeCarriesOn() throws Exception {
        Fixtures fx = readyCanary("pause", "p-1");
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.request("podinfo", "pause", "alice");
            RequestStatus paused = awaitRequest(fx, "pause", "alice");
            assertThat(paused.getOutcome()).isEqualTo("paused: no step advances and no run starts until resumed; "
                    + "checks go on, and a failing one still rolls back");

            fx.setImage("podinfo", "p-2");
            await().atMost(Duration.ofSeconds(10)).until(() -> fx.canaryNow("podinfo").getStatus().getMessage()
                    .contains("waits: resume to start its run"));
            Thread.sleep(2000);
            CanaryStatus held = fx.canaryNow("podinfo").getStatus();
            assertThat(held.getPhase()).isEqualTo(Phase.Ready);
            assertThat(held.getMessage()).startsWith("paused by alice; new revision ");
            assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).as("no canary pod while paused").isZero();

            fx.request("podinfo", "resume", "bob");
            assertThat(awaitRequest(fx, "resume", "bob").getOutcome()).isEqualTo("resumed (paused by alice)");
            await().atMost(RUN).until(() -> recorder.weights().contains(25));

            // Paused at 25%: checks keep passing, the weight stays.
            fx.request("podinfo", "pause", "alice");
            awaitRequest(fx, "pause", "alice");
            int passedAtPause = count(fx.canaryNow("podinfo").getStatus().getPassedChecks());
            await().atMost(RUN)
                    .until(() -> count(fx.canaryNow("podinfo").getStatus().getPassedChecks()) >= passedAtPause + 2);
            CanaryStatus holding = fx.canaryNow("podinfo").getStatus();
            assertThat(holding.getPhase()).isEqualTo(Phase.Progressing);
            assertThat(holding.getWeight()).isEqualTo(25);
            assertThat(holding.getMessage()).startsWith("paused by alice; step 1/3: 25% (")
                    .endsWith("holding until resumed");
            assertThat(recorder.weights()).containsExactly(25);

            fx.request("podinfo", "resume", "bob");
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(recorder.weights()).containsExactly(25, 50, 100);
            assertThat(done.getPaused()).isNull();
            assertThat(fx.events("podinfo")).filteredOn(e -> List.of("Paused", "Resumed").contains(e.getReason()))
                    .extracting(Event::getMessage).containsExactly(
                            "pause requested by alice; " + paused.getOutcome(),
                            "resume requested by bob; resumed (paused by alice)",
                            "pause requested by alice; " + paused.getOutcome(),
                            "resume requested by bob; resumed (paused by alice)");
        }
    }

    @Test
    void promoteFromTheCliSkipsTheRemainingSteps() {
        Fixtures fx = readyCanary("promote", "pr-1");
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "pr-2");
            await().atMost(RUN).until(() -> recorder.weights().contains(25));
            String revision = fx.canaryNow("podinfo").getStatus().getCanaryRevision();

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit = new ControlCommand(client, new PrintStream(out, true, StandardCharsets.UTF_8), System.err)
                    .run(List.of("promote", "podinfo", "-n", fx.ns, "--by", "carol"));
            assertThat(exit).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("asked the controller to promote " + fx.ns
                    + "/podinfo (as carol)\npromoting revision " + revision + " at step 1/3 (25%), skipping 2 steps\n");

            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(done.getStableRevision()).isEqualTo(revision);
            assertThat(recorder.weights()).doesNotContain(50);
            assertThat(Fixtures.image(fx.deploymentNow("podinfo-primary"))).isEqualTo(Fixtures.IMAGE + "pr-2");
            assertThat(fx.events("podinfo")).extracting(Event::getReason, Event::getMessage).contains(
                    org.assertj.core.groups.Tuple.tuple("PromoteRequested", "promote requested by carol; promoting "
                            + "revision " + revision + " at step 1/3 (25%), skipping 2 steps"));

            ByteArrayOutputStream status = new ByteArrayOutputStream();
            new ControlCommand(client, new PrintStream(status, true, StandardCharsets.UTF_8), System.err)
                    .run(List.of("status", "podinfo", "-n", fx.ns));
            assertThat(status.toString(StandardCharsets.UTF_8)).contains("phase:    Succeeded\n")
                    .contains("request:  promote by carol at ");
        }
    }

    @Test
    void abortRollsBackAtOnceAndRetryRunsTheSameRevisionAgain() {
        Fixtures fx = readyCanary("abort", "ab-1");
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            recorder.awaitPhase(Phase.Ready, RUN);
            fx.setImage("podinfo", "ab-2");
            await().atMost(RUN).until(() -> recorder.weights().contains(25));
            String revision = fx.canaryNow("podinfo").getStatus().getCanaryRevision();

            fx.request("podinfo", "abort", "dave");
            CanaryStatus rolledBack = recorder.awaitPhase(Phase.RolledBack, Duration.ofSeconds(10));
            assertThat(rolledBack.getMessage()).isEqualTo("rolled back revision " + revision
                    + " at step 1/3 (25%): abort requested by dave");
            assertThat(awaitRequest(fx, "abort", "dave").getOutcome()).isEqualTo("rolled back");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
                assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).isEqualTo(4);
            });

            fx.request("podinfo", "retry", "erin");
            assertThat(awaitRequest(fx, "retry", "erin").getOutcome()).isEqualTo("running revision " + revision
                    + " again from step 1");
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, RUN);
            assertThat(done.getStableRevision()).isEqualTo(revision);
            assertThat(recorder.steps()).extracting(StatusRecorder.Step::weight).containsExactly(25, 25, 50, 100);
            assertThat(fx.events("podinfo")).extracting(Event::getReason).containsSubsequence("NewRevision",
                    "RolledBack", "RetryRequested", "Succeeded");
        }
    }

    @Test
    void aRequestThatDoesNotApplyIsRecordedAndChangesNothing() {
        Fixtures fx = readyCanary("ignored", "ig-1");
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            CanaryStatus ready = recorder.awaitPhase(Phase.Ready, RUN);

            fx.request("podinfo", "promot", "frank");
            RequestStatus typo = awaitRequest(fx, "promot", "frank");
            assertThat(typo.getOutcome()).isEqualTo("ignored: 'promot' is not a request; canary.aegis.dev/request "
                    + "takes one of pause, resume, promote, abort, retry");

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit = new ControlCommand(client, new PrintStream(out, true, StandardCharsets.UTF_8), System.err)
                    .run(List.of("abort", "podinfo", "-n", fx.ns, "--by", "frank"));
            assertThat(exit).isEqualTo(ControlCommand.NOT_DONE);
            assertThat(out.toString(StandardCharsets.UTF_8)).endsWith(
                    "ignored: no run in progress to abort (phase Ready)\n");

            // the command returns on the status; the Event follows the status write
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(fx.events("podinfo"))
                    .filteredOn(e -> "RequestIgnored".equals(e.getReason()))
                    .extracting(Event::getType, Event::getMessage).containsExactly(
                            org.assertj.core.groups.Tuple.tuple("Warning", "'promot' requested by frank ignored: "
                                    + "'promot' is not a request; canary.aegis.dev/request takes one of pause, "
                                    + "resume, promote, abort, retry"),
                            org.assertj.core.groups.Tuple.tuple("Warning", "'abort' requested by frank ignored: no "
                                    + "run in progress to abort (phase Ready)")));
            Canary now = fx.canaryNow("podinfo");
            assertThat(now.getStatus().getPhase()).isEqualTo(Phase.Ready);
            assertThat(now.getStatus().getStableRevision()).isEqualTo(ready.getStableRevision());
            assertThat(fx.deploymentNow("podinfo-primary").getSpec().getReplicas()).isEqualTo(4);
            assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
        }
    }

    private static int count(Integer n) {
        return n == null ? 0 : n;
    }
}
