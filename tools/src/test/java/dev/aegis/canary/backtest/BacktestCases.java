package dev.aegis.canary.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.aegis.canary.Repo;
import dev.aegis.canary.analysis.OpenMetricsSeries;
import dev.aegis.canary.sim.PrometheusProcess;

/**
 * The backtest command against a real Prometheus holding a backfilled incident: the canary's pods serve 0.5% errors
 * for half an hour, then 6%; the primary's stay at 0.5% throughout. Run over a window before the incident, the
 * Canary would have been promoted; over one that reaches it, rolled back at the first check that sees it, with the
 * canary's own value. Each subclass serves it from a Prometheus of its own (2.x and 3.x must agree).
 */
abstract class BacktestCases {

    static final Instant START = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.HOURS);
    static final Instant INCIDENT = START.plus(Duration.ofMinutes(30));
    static final String CANARY_YAML = """
            apiVersion: canary.aegis.dev/v1alpha1
            kind: Canary
            metadata: {name: podinfo, namespace: shop}
            spec:
              targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
              steps: [1, 10, 50, 100]
              analysis:
                interval: 1m
                failureLimit: 0
                metrics:
                  - name: success-rate
                    templateRef: {name: request-success-rate}
                    thresholdRange: {min: 99}
            """;

    static PrometheusProcess prometheus;
    static Path dir;

    @Inject
    BacktestCommand command;

    /** The incident below, backfilled with this binary's promtool and served by it. */
    static void start(Path binary) throws IOException {
        OpenMetricsSeries s = new OpenMetricsSeries(START, Duration.ofSeconds(15), 4 * 60);
        double incidentAt = Duration.between(START, INCIDENT).toSeconds();
        // canary: 10 requests/s, 0.5% errors, 6% from the incident on
        Map<String, String> canaryPod = Map.of("namespace", "shop", "pod", "podinfo-7d9f6c8b5-x7k2p");
        s.counter("http_requests_total", with(canaryPod, "200"), t -> 10 * (t < incidentAt ? 0.995 : 0.94));
        s.counter("http_requests_total", with(canaryPod, "503"), t -> 10 * (t < incidentAt ? 0.005 : 0.06));
        // primary: 30 requests/s, 0.5% errors; a query that mixed it in would not see 94
        Map<String, String> primaryPod = Map.of("namespace", "shop", "pod", "podinfo-primary-5c4d8f7b9-q2w4e");
        s.counter("http_requests_total", with(primaryPod, "200"), t -> 30 * 0.995);
        s.counter("http_requests_total", with(primaryPod, "503"), t -> 30 * 0.005);
        dir = Files.createTempDirectory("aegis-backtest-");
        Files.writeString(dir.resolve("series.om"), s.text());
        PrometheusProcess.backfill(binary, dir.resolve("series.om"), dir.resolve("data"));
        prometheus = PrometheusProcess.serving(binary, dir.resolve("data"));
        Files.writeString(dir.resolve("canary.yaml"), CANARY_YAML);
    }

    static Map<String, String> with(Map<String, String> labels, String code) {
        Map<String, String> out = new java.util.TreeMap<>(labels);
        out.put("code", code);
        return out;
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    record Run(int exit, String out, String err) {
    }

    Run backtest(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = command.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    List<String> args(Instant from, Instant to, String... more) {
        List<String> args = new ArrayList<>(List.of("--canary", dir.resolve("canary.yaml").toString(), "--templates",
                Repo.file("analysis-templates", "generic").toString(), "--prometheus", prometheus.url(), "--from",
                from.toString(), "--to", to.toString()));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void aWindowBeforeTheIncidentWouldHavePromotedAfterOneCheckPerStep() {
        Instant from = START.plus(Duration.ofMinutes(5));
        Run run = backtest(args(from, from.plus(Duration.ofMinutes(20))).toArray(String[]::new));

        assertThat(run.exit()).as(run.err()).isEqualTo(BacktestCommand.PASSED);
        assertThat(run.out()).contains(from.plus(Duration.ofMinutes(1)) + "  step 1/4    1%  PASS     "
                + "success-rate 99.5 (want >= 99)")
                .contains(from.plus(Duration.ofMinutes(4)) + "  step 4/4  100%  PASS")
                .contains("would promote at " + from.plus(Duration.ofMinutes(4)) + ": promoting revision candidate: "
                        + "all 4 steps passed")
                .contains("canary pods ^podinfo-[a-z0-9]{6,10}-[a-z0-9]{5}$");
    }

    @Test
    void aWindowThatReachesTheIncidentWouldHaveRolledBackAtTheFirstCheckThatSawIt() {
        Instant from = INCIDENT.minus(Duration.ofMinutes(1));
        Run run = backtest(args(from, from.plus(Duration.ofMinutes(20))).toArray(String[]::new));

        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(BacktestCommand.ROLLED_BACK);
        // The check at the incident's start measures the minute before it; the next one measures only the incident.
        assertThat(run.out()).contains(INCIDENT + "  step 1/4    1%  PASS     success-rate 99.5 (want >= 99)")
                .contains(INCIDENT.plus(Duration.ofMinutes(1)) + "  step 2/4   10%  FAIL     success-rate 94 "
                        + "(want >= 99)")
                .contains("would roll back at " + INCIDENT.plus(Duration.ofMinutes(1)) + ": rolled back revision "
                        + "candidate at step 2/4 (10%): success-rate 94 (want >= 99)");
        assertThat(run.out().lines().filter(l -> l.contains("  step "))).hasSize(2);
    }

    @Test
    void aWindowTooShortForEveryStepSaysWhereTheRunStood() {
        Instant from = START.plus(Duration.ofMinutes(5));
        Run run = backtest(args(from, from.plus(Duration.ofSeconds(150))).toArray(String[]::new));

        assertThat(run.exit()).isEqualTo(BacktestCommand.PASSED);
        assertThat(run.out().lines().filter(l -> l.contains("  step "))).hasSize(2);
        assertThat(run.out()).contains("the window ended at " + from.plus(Duration.ofSeconds(150))
                + " before the run did: step 3/4: 50%");
    }

    @Test
    void badInputNamesTheOptionOrTheFieldAndRunsNothing() throws IOException {
        Run noTo = backtest("--canary", dir.resolve("canary.yaml").toString(), "--from", START.toString());
        assertThat(noTo.exit()).isEqualTo(BacktestCommand.USAGE);
        assertThat(noTo.err()).contains("--to is required").contains("usage: aegis-canary backtest");

        Run badTime = backtest(args(START, START).toArray(String[]::new));
        assertThat(badTime.err()).contains("--to must be after --from");

        Run noTemplate = backtest("--canary", dir.resolve("canary.yaml").toString(), "--prometheus",
                prometheus.url(), "--from", START.toString(), "--to", INCIDENT.toString());
        assertThat(noTemplate.exit()).isEqualTo(BacktestCommand.USAGE);
        assertThat(noTemplate.err()).contains("request-success-rate").doesNotContain("  step ");

        Path badSteps = dir.resolve("bad-steps.yaml");
        Files.writeString(badSteps, CANARY_YAML.replace("[1, 10, 50, 100]", "[10, 5, 100]"));
        Run steps = backtest("--canary", badSteps.toString(), "--from", START.toString(), "--to",
                INCIDENT.toString());
        assertThat(steps.exit()).isEqualTo(BacktestCommand.USAGE);
        assertThat(steps.err()).contains("spec.steps");
    }
}
