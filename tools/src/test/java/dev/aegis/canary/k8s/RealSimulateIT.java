package dev.aegis.canary.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.Repo;
import dev.aegis.canary.api.Phase;
import dev.aegis.canary.scenario.Summary;

/**
 * {@code simulate --cluster real} as a user runs it ({@code java -jar tools/target/quarkus-app/quarkus-run.jar simulate
 * --cluster real FILE...}): a control plane of its own, the real Deployment, DaemonSet and StatefulSet controllers and
 * kwok nodes doing what the simulator plays in the embedded cluster, and the scenarios' outcomes as expected. Three
 * here: a bad release rolled back while nodes fail under a DaemonSet's canary, one rolled back on a StatefulSet, and a
 * release promoted while the controller is killed twice. A Deployment's promotion and rollback on the real server are
 * RealDeploymentCanaryIT's; the whole library is played by hand (docs/analysis.md).
 */
class RealSimulateIT {

    static final List<String> SCENARIOS = List.of("node-churn-bad-release", "statefulset-bad-release",
            "controller-restart");

    @Test
    void scenariosPlayOnARealControlPlaneWithTheirExpectedOutcomes() throws Exception {
        Path out = Files.createDirectories(Path.of("target", "simulate")).resolve("real-cluster.out");
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
                "java").toString(), "-D" + ControlPlane.BIN_PROPERTY + "=" + ControlPlane.binDir(), "-Dprometheus.bin="
                        + System.getProperty("prometheus.bin"),
                "-jar", Repo.TOOLS_APP.toString(), "simulate",
                "--cluster", "real"));
        SCENARIOS.forEach(s -> command.add("scenarios/" + s + ".yaml"));
        Process simulate = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean ended = simulate.waitFor(15, TimeUnit.MINUTES);
        if (!ended) {
            simulate.destroyForcibly();
        }
        assertThat(ended).as("simulate ends within 15 minutes; output in %s", out).isTrue();
        List<String> lines = Files.readAllLines(out);

        Map<String, Summary> summaries = new TreeMap<>();
        lines.stream().filter(l -> l.startsWith("{\"scenario\"")).map(l -> Serialization.unmarshal(l, Summary.class))
                .forEach(s -> summaries.put(s.scenario(), s));
        assertThat(summaries.keySet()).as("scenarios played; output in %s", out)
                .containsExactlyInAnyOrderElementsOf(SCENARIOS);
        summaries.values().forEach(s -> assertThat(s.passed()).as("%s ended %s, expected %s: %s (output in %s)",
                s.scenario(), s.finalPhase(), s.expectedPhase(), s.message(), out).isTrue());
        assertThat(simulate.exitValue()).as("exit code; output in %s", out).isZero();

        assertThat(lines).as("the real control plane, and the controller in a process of its own")
                .anyMatch(l -> l.contains("control plane ready"))
                .anyMatch(l -> l.contains("the controller runs in a process of its own, against the real API server"));
        assertThat(summaries.get("node-churn-bad-release").finalPhase()).isEqualTo(Phase.RolledBack);
        assertThat(summaries.get("statefulset-bad-release").finalPhase()).isEqualTo(Phase.RolledBack);
        assertThat(summaries.get("controller-restart").finalPhase()).isEqualTo(Phase.Succeeded);
        assertThat(summaries.get("controller-restart").steps()).extracting(Summary.Step::weight)
                .as("each step once through the kills").containsExactly(1, 10, 50, 100);
        assertThat(lines).filteredOn(l -> l.contains("controller killed (SIGKILL)")).as("controller-restart's kills")
                .hasSize(2);
    }
}
