package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.Phase;
import dev.aegis.canary.scenario.Scenario;
import dev.aegis.canary.scenario.ScenarioRunner;
import dev.aegis.canary.scenario.SimulateCommand;
import dev.aegis.canary.scenario.Summary;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * Every scenario of tools/scenarios/, played with the controller under test at the scenario's own time scale: its outcome
 * must be the one it expects, and the summary must tell the same story as the status (steps in order, a fault's
 * timings and the requests it failed). Scenarios that leave Prometheus alone are played all at once, each in its
 * own namespace, as one controller serves many Canaries; those that add and take away nodes (the heaviest on the test
 * API server) together after them; those that stop Prometheus alone, last. Those that restart the controller are
 * SimulateIT's.
 */
@QuarkusTest
class ScenarioLibraryTest extends FleetTest {

    @TestFleet.Fleet
    PrometheusProcess prometheus;

    /** The plays started so far, by file. */
    static final Map<Path, CompletableFuture<Summary>> PLAYS = new ConcurrentHashMap<>();

    static boolean disruptive(Scenario s) {
        return s.timeline() != null && s.timeline().stream().anyMatch(e -> e.prometheus() != null);
    }

    /**
     * 0: played all at once; 1: those whose nodes join and leave, together after them; 2: those that stop Prometheus,
     * one at a time, last. In one batch of all, node-churn scenarios twice waited a whole progressDeadline on a
     * primary pod the fleet simulator was to delete (with 15 other scenarios on the same test API server, after
     * every other test of the JVM); played alone they pass.
     */
    static int batch(Scenario s) {
        if (disruptive(s)) {
            return 2;
        }
        return s.timeline() != null && s.timeline().stream().anyMatch(e -> e.nodes() != null) ? 1 : 0;
    }

    static Scenario read(Path file) {
        try {
            return SimulateCommand.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The library, those that stop Prometheus last. Those that restart the controller need it in a process of its
     * own: SimulateIT plays them with the packaged application.
     */
    static Stream<Path> scenarios() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("scenarios"))) {
            return files.filter(f -> f.toString().endsWith(".yaml")).filter(f -> !read(f).restartsController())
                    .sorted(Comparator.comparing((Path f) -> batch(read(f))).thenComparing(Path::toString))
                    .toList().stream();
        }
    }

    Summary play(Path file) throws Exception {
        synchronized (PLAYS) {
            if (!PLAYS.containsKey(file)) {
                for (CompletableFuture<Summary> earlier : PLAYS.values()) {
                    earlier.handle((r, e) -> r).get(); // the batches before it have ended
                }
                int batch = batch(read(file));
                if (batch == 2) {
                    PLAYS.put(file, start(file)); // none of the others may see Prometheus go away
                } else {
                    for (Path f : scenarios().toList()) {
                        if (batch(read(f)) == batch) {
                            PLAYS.put(f, start(f));
                        }
                    }
                }
            }
        }
        return PLAYS.get(file).get(10, TimeUnit.MINUTES);
    }

    CompletableFuture<Summary> start(Path file) {
        Scenario s = read(file);
        ScenarioRunner runner = new ScenarioRunner(client, fleet, prometheus, line -> System.out.println(s.name()
                + " " + line), null, null); // the test API server does not count the controller's requests
        return CompletableFuture.supplyAsync(() -> runner.run(s, "scn-" + s.name()), Executors.newSingleThreadExecutor(
                r -> {
                    Thread t = new Thread(r, "scenario-" + s.name());
                    t.setDaemon(true);
                    return t;
                }));
    }

    /** Each pod the API server holds in the namespace: node, name, role label, image, ready. */
    String pods(String namespace) {
        StringBuilder out = new StringBuilder();
        for (var pod : client.pods().inNamespace(namespace).list().getItems()) {
            out.append(pod.getSpec().getNodeName()).append(' ').append(pod.getMetadata().getName()).append(' ')
                    .append(pod.getMetadata().getLabels()).append(' ')
                    .append(pod.getSpec().getContainers().get(0).getImage()).append(' ')
                    .append(pod.getStatus() == null ? null : pod.getStatus().getConditions()).append('\n');
        }
        return out.toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void eachScenarioEndsAsItExpects(Path file) throws Exception {
        Scenario s = read(file);
        Summary summary = play(file);
        System.out.println(Serialization.asJson(summary));

        assertThat(summary.finalPhase()).as(() -> "the API server's pods of scn-" + s.name() + ", should the message "
                + "say one is still there:\n" + pods("scn-" + s.name())).isEqualTo(s.expect().phase());
        assertThat(summary.passed()).isTrue();
        if (s.expect().phase() == Phase.Invalid) {
            assertThat(summary.message()).as("refused at once, naming the metric and the arg").startsWith(
                    "invalid: ").contains("metrics[").contains(".args.");
            assertThat(summary.steps()).as("nothing of it ran").isEmpty();
            return;
        }
        List<Integer> planned = s.canary().getSteps();
        List<Integer> reached = summary.steps().stream().map(Summary.Step::weight).toList();
        assertThat(planned).as("steps are reached in the order of the spec, none skipped")
                .startsWith(reached.toArray(Integer[]::new));
        Summary.Checks checks = summary.checks();
        assertThat(checks.passed() + checks.failed() + checks.noData()).isPositive();
        if (s.expect().phase() == Phase.Succeeded) {
            assertThat(reached).isEqualTo(planned);
            assertThat(summary.fault()).isNull();
            assertThat(summary.exposure().canaryRequests()).isPositive();
            return;
        }
        assertThat(summary.fault().decisionAfter()).as("rollback decided after the fault").isPositive();
        assertThat(summary.fault().stableAfter()).as("the canary's pods gone after the decision")
                .isGreaterThanOrEqualTo(summary.fault().decisionAfter());
        if (s.canary().getAnalysis() != null
                && s.canary().getAnalysis().getJudge() == dev.aegis.canary.api.AnalysisSpec.JudgeType.sequential) {
            assertThat(summary.message()).as("the sequential verdict in plain words").matches(".*at step 1/4 \\(1%\\): "
                    + "errors: canary failed [0-9.]+% vs primary [0-9.]+% over [0-9,]+ requests; 99% confident it is "
                    + "worse by more than 0.5 pp");
        }
        if (checks.failed() > 0) {
            assertThat(summary.exposure().afterOnsetFailedRequests()).as("a failed check: the bad version hurt "
                    + "someone first").isPositive();
        } else {
            assertThat(checks.noData()).as("rolled back without a failed check: for want of data").isPositive();
            assertThat(summary.exposure().afterOnsetRequests()).as("no data: the canary served nobody").isZero();
        }
    }
}
