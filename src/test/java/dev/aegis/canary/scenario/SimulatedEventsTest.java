package dev.aegis.canary.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClient;

import dev.aegis.canary.api.Canary;
import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.demo.EmbeddedApiServer;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * The runner and the fleet simulator without a controller: the test plays the controller's part (the Canary's
 * status), so what the runner does with it is seen alone.
 */
class SimulatedEventsTest {

    static EmbeddedApiServer api;
    static KubernetesClient client;
    static FleetSimulator fleet;
    static PrometheusProcess prometheus;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    final Queue<String> timeline = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void startCluster() {
        api = EmbeddedApiServer.start(false);
        client = api.client("simulate", null);
        fleet = FleetSimulator.create(new FleetSimulator.Options(50, List.of("node-a", "node-b"),
                Duration.ofMillis(50))).attach(client);
        prometheus = PrometheusProcess.start(fleet.serviceDiscoveryUrl(), Duration.ofMillis(200));
    }

    @AfterAll
    static void stopCluster() {
        prometheus.close();
        fleet.close();
        client.close();
        api.close();
    }

    ScenarioRunner runner() {
        return new ScenarioRunner(client, fleet, prometheus, timeline::add, null, null);
    }

    /** The controller's part: the Canary's phase and message, and for a step its weight, reached. */
    static void status(String namespace, Phase phase, String message, Integer weight) {
        await().atMost(Duration.ofSeconds(10)).until(() -> canary(namespace) != null);
        client.resources(Canary.class).inNamespace(namespace).withName(ScenarioRunner.APP).editStatus(c -> {
            CanaryStatus st = c.getStatus() == null ? new CanaryStatus() : c.getStatus();
            st.setPhase(phase);
            st.setMessage(message);
            st.setWeight(weight);
            st.setStepIndex(weight == null ? null : 0);
            st.setStepReadyAt(weight == null ? null : "2026-01-01T00:00:00Z");
            c.setStatus(st);
            return c;
        });
    }

    static Canary canary(String namespace) {
        return client.resources(Canary.class).inNamespace(namespace).withName(ScenarioRunner.APP).get();
    }

    @Test
    void aCanaryTheControllerCallsInvalidEndsSimulateAtOnceWithItsMessageAndExit2() {
        Scenario s = ScenarioTest.parse("""
                name: invalid-canary
                replicas: 2
                versions: {v1: {}}
                initialVersion: v1
                canary:
                  analysis:
                    metrics: [{name: success-rate, templateRef: {name: no-such-template}}]
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> SimulateCommand.play(List.of(s),
                runner(), new PrintStream(out, true), new PrintStream(err, true)));

        status("sim-invalid-canary", Phase.Invalid, "invalid: spec.analysis.metrics[0].templateRef: "
                + "AnalysisTemplate 'no-such-template' not found in namespace sim-invalid-canary", null);

        await("at once, not after the first-sight wait").atMost(Duration.ofSeconds(10)).until(exit::isDone);
        assertThat(exit.join()).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).containsExactly("scenario invalid-canary: the "
                + "Canary is Invalid: spec.analysis.metrics[0].templateRef: AnalysisTemplate 'no-such-template' "
                + "not found in namespace sim-invalid-canary");
    }

    @Test
    void aCanaryNotReadyInTimeIsReportedWithItsPhaseAndMessage() {
        Scenario s = ScenarioTest.parse("""
                name: never-ready
                replicas: 2
                versions: {v1: {}}
                initialVersion: v1
                canary: {}
                """);
        CompletableFuture<Throwable> ended = CompletableFuture.supplyAsync(() -> catchThrowableOfType(
                ScenarioMistake.class, () -> runner().firstSight(Duration.ofSeconds(2)).run(s, "never-ready")));
        status("never-ready", Phase.Initializing, "initializing: primary 0/2 ready", null);

        assertThat(ended.join()).hasMessage("scenario never-ready: the Canary was not Ready 2s after it was "
                + "created; phase Initializing: initializing: primary 0/2 ready");
        assertThat(catchThrowableOfType(ScenarioMistake.class, () -> runner().firstSight(Duration.ofSeconds(1))
                .run(s, "no-controller"))).hasMessage("scenario never-ready: the Canary was not Ready 1s after it "
                        + "was created; it has no status yet (is the controller running?)");
    }
}
