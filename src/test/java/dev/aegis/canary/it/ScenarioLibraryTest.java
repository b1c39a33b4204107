package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;

import dev.aegis.canary.api.Phase;
import dev.aegis.canary.scenario.Scenario;
import dev.aegis.canary.scenario.ScenarioRunner;
import dev.aegis.canary.scenario.SimulateCommand;
import dev.aegis.canary.scenario.Summary;
import dev.aegis.canary.sim.FleetSimulator;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * Every scenario of scenarios/, played with the controller under test at the scenario's own time scale: its outcome
 * must be the one it expects, and the summary must tell the same story as the status (steps in order, a fault's
 * timings and the requests it failed).
 */
@QuarkusTest
class ScenarioLibraryTest {

    @Inject
    KubernetesClient client;

    @TestFleet.Fleet
    FleetSimulator fleet;

    @TestFleet.Fleet
    PrometheusProcess prometheus;

    @BeforeEach
    void attachFleet() {
        fleet.attach(client);
    }

    static Stream<Path> scenarios() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("scenarios"))) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void eachScenarioEndsAsItExpects(Path file) throws IOException {
        Scenario s = SimulateCommand.read(file);
        Summary summary = new ScenarioRunner(client, fleet, prometheus, line -> System.out.println(s.name() + " "
                + line)).run(s, "scn-" + s.name());
        System.out.println(Serialization.asJson(summary));

        assertThat(summary.finalPhase()).isEqualTo(s.expect().phase());
        assertThat(summary.passed()).isTrue();
        List<Integer> planned = s.canary().getSteps();
        List<Integer> reached = summary.steps().stream().map(Summary.Step::weight).toList();
        assertThat(planned).as("steps are reached in the order of the spec, none skipped")
                .startsWith(reached.toArray(Integer[]::new));
        assertThat(summary.checks().passed() + summary.checks().failed()).isPositive();
        assertThat(summary.exposure().canaryRequests()).isPositive();
        if (s.expect().phase() == Phase.Succeeded) {
            assertThat(reached).isEqualTo(planned);
            assertThat(summary.fault()).isNull();
        } else {
            assertThat(summary.fault().decisionAfter()).as("rollback decided after the fault").isPositive();
            assertThat(summary.fault().stableAfter()).as("the canary's pods gone after the decision")
                    .isGreaterThanOrEqualTo(summary.fault().decisionAfter());
            assertThat(summary.exposure().afterOnsetFailedRequests()).as("the bad version hurt someone first")
                    .isPositive();
            assertThat(summary.checks().failed()).isPositive();
        }
    }
}
