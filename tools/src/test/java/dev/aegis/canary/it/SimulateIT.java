package dev.aegis.canary.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.Repo;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.scenario.Summary;

/**
 * The scenarios that restart the controller, played as a user plays them: {@code java -jar
 * tools/target/quarkus-app/quarkus-run.jar simulate FILE}, the controller in a process of its own that the scenario kills.
 */
class SimulateIT {

    @Test
    void aReleaseSurvivesTheControllerKilledTwice() throws Exception {
        Path out = Files.createDirectories(Path.of("target", "simulate")).resolve("controller-restart.out");
        Process simulate = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Repo.TOOLS_APP.toString(), "simulate", "scenarios/controller-restart.yaml")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(simulate.waitFor(5, TimeUnit.MINUTES)).as("simulate ends").isTrue();
        List<String> lines = Files.readAllLines(out);
        assertThat(simulate.exitValue()).as("exit code; output in " + out).isZero();

        assertThat(lines).filteredOn(l -> l.contains("controller process") && l.contains("started"))
                .as("the first controller and one for each restart").hasSize(3);
        assertThat(lines).filteredOn(l -> l.contains("controller killed (SIGKILL)")).hasSize(2);
        Summary summary = Serialization.unmarshal(lines.stream().filter(l -> l.startsWith("{\"scenario\""))
                .findFirst().orElseThrow(), Summary.class);
        assertThat(summary.passed()).isTrue();
        assertThat(summary.finalPhase()).isEqualTo(Phase.Succeeded);
        assertThat(summary.steps()).extracting(Summary.Step::weight).as("each step once, in order, across restarts")
                .containsExactly(1, 10, 50, 100);
        assertThat(summary.phases()).extracting(Summary.At::phase).as("one run, taken over, not started again")
                .containsExactly(Phase.Progressing, Phase.Promoting, Phase.Succeeded);
        assertThat(summary.apiRequests()).as("the processes' requests are counted, by their token").isPositive();
    }
}
