package dev.aegis.canary.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

/** What demo and simulate check before anything starts: one line and an exit code, or go on. */
class ToolsMainTest {

    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    OptionalInt run(Optional<Path> prometheus, String... args) {
        return ToolsMain.preflight(List.of(args), prometheus, new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theDemoWithoutPrometheusStopsBeforeStartingAnythingNamingTheFix() {
        assertThat(run(Optional.empty(), "demo")).hasValue(1);
        assertThat(err()).startsWith("aegis-canary demo: Prometheus not found: not on the PATH")
                .contains("sudo apt-get install -y prometheus").contains("tools/prometheus/build.sh")
                .hasLineCount(1);
    }

    @Test
    void simulateWithoutAScenarioIsUsage() {
        Optional<Path> prometheus = Optional.of(Path.of("/usr/bin/prometheus"));
        assertThat(run(prometheus, "simulate")).hasValue(2);
        assertThat(err()).startsWith("usage: aegis-canary simulate [--cluster embedded|real] SCENARIO.yaml...");
        assertThat(run(prometheus, "demo")).as("with a Prometheus, the demo goes on").isEmpty();
        assertThat(run(Optional.empty(), "backtest", "--canary", "c.yaml")).as("backtest needs no Prometheus here")
                .isEmpty();
        assertThat(run(Optional.empty())).as("nor does the controller").isEmpty();
    }

    @Test
    void simulateOnARealClusterBringsItsOwnPrometheusAndAWrongClusterIsUsage() {
        assertThat(run(Optional.empty(), "simulate", "--cluster", "real", "s.yaml"))
                .as("the real cluster's Prometheus (with Kubernetes discovery) is checked as it starts").isEmpty();
        assertThat(run(Optional.empty(), "simulate", "--cluster", "real")).hasValue(2);
        assertThat(err()).startsWith("usage: aegis-canary simulate [--cluster embedded|real] SCENARIO.yaml...");
        err.reset();
        assertThat(run(Optional.of(Path.of("/usr/bin/prometheus")), "simulate", "--cluster", "mars", "s.yaml"))
                .hasValue(2);
        assertThat(err()).isEqualTo("aegis-canary simulate: --cluster must be embedded or real, got mars\n");
    }
}
