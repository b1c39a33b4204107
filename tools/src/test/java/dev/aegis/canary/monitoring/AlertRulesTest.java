package dev.aegis.canary.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.client.utils.Serialization;

import dev.aegis.canary.CurrentPrometheus;
import dev.aegis.canary.Repo;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * deploy/monitoring's alerts as Prometheus evaluates them: the PrometheusRule's groups checked and unit-tested with
 * {@code promtool test rules} (deploy/monitoring/alerts-test.yaml) by the promtool of the Prometheus found first
 * (Debian's 2.x here and in CI) and by the 3.x the build makes. Every alert must be seen firing by a test case.
 */
class AlertRulesTest {

    static final Path MONITORING = Repo.file("deploy", "monitoring");

    static Stream<Path> promtools() {
        Path first = PrometheusProcess.locate()
                .orElseThrow(() -> new IllegalStateException(PrometheusProcess.NOT_FOUND));
        return Stream.of(first.resolveSibling("promtool"), CurrentPrometheus.binary().resolveSibling("promtool"));
    }

    record Run(int exitCode, String output) {
    }

    static Run promtool(Path promtool, Path dir, String... args) throws IOException, InterruptedException {
        if (!Files.isExecutable(promtool)) {
            throw new IllegalStateException(promtool + " is missing: it comes with Prometheus (Debian's prometheus "
                    + "package; tools/prometheus/build.sh for 3.x)");
        }
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("promtool " + String.join(" ", args) + " did not end within 60 s");
        }
        return new Run(p.exitValue(), out);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> rules(Map<String, Object> spec) {
        List<Map<String, Object>> all = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) spec.get("groups")) {
            all.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        return all;
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest
    @MethodSource("promtools")
    void everyAlertPassesItsPromtoolTestsAndIsSeenFiring(Path promtool) throws Exception {
        Map<String, Object> rule = Serialization.unmarshal(Files.readString(MONITORING.resolve("prometheusrule.yaml")),
                Map.class);
        assertThat(rule.get("kind")).isEqualTo("PrometheusRule");
        Map<String, Object> spec = (Map<String, Object>) rule.get("spec");
        Path dir = Files.createTempDirectory("aegis-alerts-");
        Files.writeString(dir.resolve("rules.yaml"), Serialization.asYaml(spec));
        Files.copy(MONITORING.resolve("alerts-test.yaml"), dir.resolve("alerts-test.yaml"));

        Run checked = promtool(promtool, dir, "check", "rules", "rules.yaml");
        assertThat(checked.exitCode()).as(checked.output()).isZero();
        Run tested = promtool(promtool, dir, "test", "rules", "alerts-test.yaml");
        assertThat(tested.exitCode()).as(tested.output()).isZero();
        assertThat(tested.output()).contains("SUCCESS");

        Set<String> alerts = new TreeSet<>();
        rules(spec).forEach(r -> alerts.add((String) r.get("alert")));
        Map<String, Object> tests = Serialization.unmarshal(Files.readString(MONITORING.resolve("alerts-test.yaml")),
                Map.class);
        Set<String> seenFiring = new TreeSet<>();
        for (Map<String, Object> test : (List<Map<String, Object>>) tests.get("tests")) {
            for (Map<String, Object> c : (List<Map<String, Object>>) test.get("alert_rule_test")) {
                if (!((List<?>) c.get("exp_alerts")).isEmpty()) {
                    seenFiring.add((String) c.get("alertname"));
                }
            }
        }
        assertThat(seenFiring).as("alerts a test case sees firing").isEqualTo(alerts).hasSize(8);
    }
}
