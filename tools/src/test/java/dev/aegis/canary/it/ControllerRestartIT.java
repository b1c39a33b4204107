package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.apps.Deployment;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.demo.EmbeddedApiServer;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.VersionBehaviour;

/**
 * The controller killed (SIGKILL, as a node failure or an OOM kill does) in every phase of a run, and a new process
 * started in its place: it carries the run on from the Canary's status, without repeating or skipping a step or
 * resetting the weight, and the run ends as it would have. Leader election is off here (one replica); a killed
 * leader's successor first waits for its Lease to expire, which {@link LeaderElectionIT} covers.
 */
class ControllerRestartIT extends ProcessClusterTest {

    static final AtomicInteger STARTED = new AtomicInteger();
    final List<ControllerProcess> controllers = new ArrayList<>();

    @AfterEach
    void stopControllers() {
        controllers.forEach(ControllerProcess::close);
        assertThat(cluster.beyondTheRole()).as("requests the role does not allow").isEmpty();
    }

    ControllerProcess startController() {
        ControllerProcess c = ControllerProcess.start("restart-" + STARTED.incrementAndGet(), cluster,
                Map.of("aegis.leader-election.enabled", "false"));
        controllers.add(c);
        return c;
    }

    /** Kills the running controller once the Canary's status matches, and starts the next one. */
    ControllerProcess killWhen(Fixtures fx, String what, Predicate<CanaryStatus> when, ControllerProcess running) {
        await(what).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
            Canary c = fx.canaryNow("podinfo");
            return c != null && c.getStatus() != null && when.test(c.getStatus());
        });
        running.kill();
        return startController();
    }

    /** The Canary's status was written by this controller: it, not a predecessor, carried the run on. */
    void assertWroteStatus(ControllerProcess c, Fixtures fx) {
        String status = "/namespaces/" + fx.ns + "/canaries/podinfo/status";
        assertThat(cluster.calls(c.name, call -> call.writes() && call.path().endsWith(status)))
                .as("status writes by %s (its writes: %s)", c.name,
                        cluster.calls(c.name, EmbeddedApiServer.Call::writes))
                .isNotEmpty();
    }

    @Test
    void aControllerKilledInEveryPhaseIsReplacedByOneThatCarriesTheRunOnFromStatus() {
        FleetSimulator fleet = cluster.fleet();
        Fixtures fx = new Fixtures(cluster.client(), "restart");
        // Pods that take 2 s to be ready leave each waiting phase long enough to be killed in.
        fleet.setBehaviour(Fixtures.IMAGE + "rs-1", VersionBehaviour.healthy().withReadyAfter(Duration.ofSeconds(2)));
        fleet.setBehaviour(Fixtures.IMAGE + "rs-2", VersionBehaviour.healthy().withReadyAfter(Duration.ofSeconds(2)));
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "rs-1", 10);
        ControllerProcess c = startController();
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            fx.canary("podinfo", "podinfo", spec -> spec.setSteps(List.of(10, 50, 100)));

            c = killWhen(fx, "first sight", s -> s.getPhase() == Phase.Initializing, c);
            recorder.awaitPhase(Phase.Ready, Duration.ofSeconds(60));
            assertWroteStatus(c, fx);

            fx.setImage("podinfo", "rs-2");
            c = killWhen(fx, "waiting for the canary to be ready at step 2",
                    s -> s.getPhase() == Phase.Progressing && s.getStepIndex() == 1 && s.getStepReadyAt() == null,
                    c);
            c = killWhen(fx, "mid-analysis at step 3",
                    s -> s.getPhase() == Phase.Progressing && s.getStepIndex() == 2 && s.getStepReadyAt() != null,
                    c);
            c = killWhen(fx, "mid-promotion", s -> s.getPhase() == Phase.Promoting, c);
            CanaryStatus done = recorder.awaitPhase(Phase.Succeeded, Duration.ofSeconds(90));
            assertWroteStatus(c, fx);

            assertThat(recorder.weights()).as("each step reached once, in order").containsExactly(10, 50, 100);
            List<CanaryStatus> run = recorder.statuses().stream()
                    .filter(s -> s.getPhase() == Phase.Progressing || s.getPhase() == Phase.Promoting).toList();
            assertThat(run).extracting(CanaryStatus::getRunStartedAt).as("one run, never restarted")
                    .containsOnly(done.getRunStartedAt());
            assertThat(run).extracting(CanaryStatus::getStepIndex).as("never back a step").isSorted();
            assertThat(run.stream().filter(s -> s.getPhase() == Phase.Progressing).map(CanaryStatus::getWeight)
                    .toList()).as("the weight never reset").isSorted().doesNotContain(0);
            assertThat(recorder.phases()).containsSubsequence(Phase.Initializing, Phase.Ready, Phase.Progressing,
                    Phase.Promoting, Phase.Succeeded);

            Deployment primary = fx.deploymentNow("podinfo-primary");
            assertThat(Fixtures.image(primary)).isEqualTo(Fixtures.IMAGE + "rs-2");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
                assertThat(fleet.pods(fx.ns)).hasSize(10)
                        .allMatch(p -> p.image().equals(Fixtures.IMAGE + "rs-2") && p.ready());
            });
        }
    }

    @Test
    void aControllerKilledMidRollbackIsReplacedByOneThatFinishesIt() {
        FleetSimulator fleet = cluster.fleet();
        Fixtures fx = new Fixtures(cluster.client(), "restart-rb");
        // The primary's pods take 2 s to be ready, and the canary gives up its pods only as they are.
        fleet.setBehaviour(Fixtures.IMAGE + "rb-1", VersionBehaviour.healthy().withReadyAfter(Duration.ofSeconds(2)));
        fx.applyShippedTemplates();
        fx.deployment("podinfo", "rb-1", 10);
        ControllerProcess c = startController();
        try (StatusRecorder recorder = new StatusRecorder(fx, "podinfo", "podinfo")) {
            fx.canary("podinfo", "podinfo", spec -> {
            });
            recorder.awaitPhase(Phase.Ready, Duration.ofSeconds(60));
            fx.setImage("podinfo", "rb-2");
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                CanaryStatus s = fx.canaryNow("podinfo").getStatus();
                return s.getPhase() == Phase.Progressing && s.getWeight() == 50 && s.getStepReadyAt() != null;
            });
            fx.request("podinfo", "abort", "erin");
            c = killWhen(fx, "mid-rollback, the canary still running",
                    s -> s.getPhase() == Phase.RolledBack
                            && fx.deploymentNow("podinfo").getSpec().getReplicas() > 0,
                    c);

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(fx.deploymentNow("podinfo").getSpec().getReplicas()).isZero();
                assertThat(fleet.pods(fx.ns)).hasSize(10)
                        .allMatch(p -> p.image().equals(Fixtures.IMAGE + "rb-1") && p.ready());
            });
            assertWroteStatus(c, fx);
            CanaryStatus s = fx.canaryNow("podinfo").getStatus();
            assertThat(s.getPhase()).isEqualTo(Phase.RolledBack);
            assertThat(s.getMessage()).contains("abort requested by erin");
            assertThat(Fixtures.image(fx.deploymentNow("podinfo-primary"))).isEqualTo(Fixtures.IMAGE + "rb-1");
            assertThat(recorder.phases()).as("rolled back once, never resumed")
                    .endsWith(Phase.Progressing, Phase.RolledBack);
        }
    }
}
