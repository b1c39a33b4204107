package dev.aegis.canary.scenario;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * {@code simulate [--cluster embedded|real] SCENARIO.yaml...}: plays scenarios, one after the other, with the real
 * controller against the embedded Kubernetes API, the fleet simulator and a real Prometheus (the demo's environment),
 * or with {@code --cluster real} against a real control plane of its own ({@link RealCluster}); prints each timeline
 * as it happens and a JSON summary at its end, then, for several, a table side by side. Exit code 0 when every outcome is the expected one,
 * 1 when one is not, 2 for bad input.
 */
@ApplicationScoped
public class SimulateCommand {

    /** A scenario file, read and checked; bad input names the field. */
    public static Scenario read(Path file) throws IOException {
        Scenario s;
        try {
            s = Serialization.unmarshal(Files.readString(file), Scenario.class);
        } catch (RuntimeException e) {
            String field = fieldProblem(e);
            throw new IllegalArgumentException(field != null
                    ? file + ": " + field
                    : file + " is not a scenario: " + rootMessage(e));
        }
        if (s == null) {
            throw new IllegalArgumentException(file + " is empty");
        }
        List<String> problems = s.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + String.join("; ", problems));
        }
        return s;
    }

    /**
     * Whether the scenarios of these arguments restart the controller: then it runs in a process of its own, and the
     * one in this process must not start. Files that cannot be read say no here and are reported by {@link #run}.
     */
    public static boolean restartsController(List<String> args) {
        List<String> files;
        try {
            files = Options.of(args).files();
        } catch (IllegalArgumentException e) {
            return false;
        }
        return files.stream().anyMatch(file -> {
            try {
                return read(Path.of(file)).restartsController();
            } catch (IOException | IllegalArgumentException e) {
                return false;
            }
        });
    }

    /** The command's options and scenario files: {@code [--cluster embedded|real] SCENARIO.yaml...}. */
    public record Options(boolean realCluster, List<String> files) {

        /** Reads them; a wrong option throws naming it and what is allowed. */
        public static Options of(List<String> args) {
            boolean real = false;
            int i = 0;
            while (i < args.size() && args.get(i).startsWith("--")) {
                String option = args.get(i);
                if (option.equals("--cluster") && i + 1 < args.size()) {
                    String value = args.get(i + 1);
                    if (!value.equals("embedded") && !value.equals("real")) {
                        throw new IllegalArgumentException("simulate: --cluster must be embedded or real, got "
                                + value);
                    }
                    real = value.equals("real");
                    i += 2;
                } else {
                    throw new IllegalArgumentException("simulate: unknown option " + option + " (allowed: --cluster "
                            + "embedded|real)");
                }
            }
            return new Options(real, List.copyOf(args.subList(i, args.size())));
        }
    }

    /**
     * The control plane's binaries for {@code --cluster real}: the system property controlplane.bin, else
     * $AEGIS_CONTROLPLANE_BIN, else where the build links them (tools/target/controlplane/bin, from the repository's
     * root or from tools/).
     */
    public static Path controlPlaneBin() {
        return located("controlplane.bin", "AEGIS_CONTROLPLANE_BIN", "controlplane/bin");
    }

    /** The Prometheus 3.x with Kubernetes discovery tools/prometheus/build.sh makes, found likewise (prometheus.bin). */
    public static Path kubernetesPrometheus() {
        return located("prometheus.bin", "AEGIS_PROMETHEUS3_BIN", "prometheus/bin").resolve("prometheus");
    }

    private static Path located(String property, String variable, String underTarget) {
        String set = System.getProperty(property, System.getenv(variable));
        if (set != null && !set.isBlank()) {
            return Path.of(set);
        }
        Path fromRoot = Path.of("tools", "target").resolve(underTarget);
        return Files.isDirectory(fromRoot) ? fromRoot : Path.of("target").resolve(underTarget);
    }

    public int run(List<String> args, SimulationCluster env, PrintStream out, PrintStream err) {
        List<String> files;
        try {
            files = Options.of(args).files();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        if (files.isEmpty()) {
            err.println("usage: simulate [--cluster embedded|real] SCENARIO.yaml...   (tools/scenarios/ holds a "
                    + "library of them)");
            return 2;
        }
        List<Scenario> scenarios = new ArrayList<>();
        for (String file : files) {
            try {
                scenarios.add(read(Path.of(file)));
            } catch (IOException e) {
                err.println("cannot read " + file + ": " + e.getMessage());
                return 2;
            } catch (IllegalArgumentException e) {
                err.println(e.getMessage());
                return 2;
            }
        }
        SeparateController separate = null;
        if (env.separateController() || scenarios.stream().anyMatch(Scenario::restartsController)) {
            Path app = SeparateController.packagedApplication();
            if (app == null) {
                err.println((env.separateController() ? "a real cluster's controller" : "controller: restart")
                        + " needs the packaged application: java -jar tools/target/quarkus-app/quarkus-run.jar "
                        + "simulate ...");
                return 2;
            }
            out.println(env.separateController()
                    ? "the controller runs in a process of its own, against the real API server"
                    : "a scenario restarts the controller: it runs in a process of its own, as in a cluster");
            separate = SeparateController.start(app, env.controllerSettings(), out::println);
        }
        try {
            return play(scenarios, new ScenarioRunner(env.client(), env.fleet(), env.prometheus(), out::println,
                    env.controllerRequests() < 0 ? null : env::controllerRequests, separate).nodes(env.nodes()),
                    out, err);
        } finally {
            if (separate != null) {
                separate.close();
            }
        }
    }

    /**
     * Plays the scenarios in turn: 0 when every outcome is the expected one, 1 when one is not, 2 at once for a
     * scenario found wrong while playing it (its Canary Invalid), as for one found wrong when read.
     */
    static int play(List<Scenario> scenarios, ScenarioRunner runner, PrintStream out, PrintStream err) {
        List<Summary> summaries = new ArrayList<>();
        for (Scenario scenario : scenarios) {
            out.println();
            out.println("scenario " + scenario.name() + (scenario.description() == null
                    ? ""
                    : ": " + scenario.description().strip()));
            out.printf("time scale %s: times are scenario time; the run takes 1/%s of it%n", scenario.scale(),
                    scenario.scale());
            Summary summary;
            try {
                summary = runner.run(scenario, "sim-" + scenario.name());
            } catch (ScenarioMistake e) {
                err.println(e.getMessage());
                return 2;
            }
            out.println(Serialization.asJson(summary));
            summaries.add(summary);
        }
        if (summaries.size() > 1) {
            out.println();
            out.println(table(summaries));
        }
        return summaries.stream().allMatch(Summary::passed) ? 0 : 1;
    }

    /** The summaries side by side: outcome, timings from the fault's onset, and what the canary served since. */
    static String table(List<Summary> summaries) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-28s %-11s %6s %9s %9s %12s %12s%n",
                "scenario", "phase", "passed", "decided", "stable", "requests", "failed"));
        for (Summary s : summaries) {
            Summary.Fault f = s.fault();
            out.append(String.format(Locale.ROOT, "%-28s %-11s %6s %9s %9s %12.0f %12.0f%n", s.scenario(),
                    s.finalPhase(), s.passed() ? "yes" : "NO", seconds(f == null ? null : f.decisionAfter()),
                    seconds(f == null ? null : f.stableAfter()), s.exposure().afterOnsetRequests(),
                    s.exposure().afterOnsetFailedRequests()));
        }
        return out.append("decided, stable: scenario seconds from the fault's onset to the rollback decision and to "
                + "no canary pods; requests, failed: served by the canary from the onset").toString();
    }

    private static String seconds(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.1fs", v);
    }

    /**
     * For a value of the wrong type or outside an enum, the field's path and what it may be; null for other
     * failures, whose parser's own words say where (a YAML syntax error).
     */
    static String fieldProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MismatchedInputException m && !m.getPath().isEmpty() && m.getTargetType() != null) {
                String got = m instanceof InvalidFormatException f ? ", got " + f.getValue() : "";
                Class<?> type = m.getTargetType();
                return path(m.getPath()) + " must be " + (type.isEnum()
                        ? "one of " + String.join(", ", written(type))
                        : dev.aegis.canary.api.Unreadable.expected(type)) + got;
            }
        }
        return null;
    }

    /** A field's path as the file writes it: canary.traffic.router, timeline[2].nodes. */
    private static String path(List<JsonMappingException.Reference> references) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : references) {
            if (r.getFieldName() != null) {
                out.append(out.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    /** An enum's values as a scenario writes them, which is how they serialize. */
    private static List<String> written(Class<?> enumType) {
        return Arrays.stream(enumType.getEnumConstants())
                .map(c -> Serialization.jsonMapper().valueToTree(c).asText()).toList();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.toString() : t.getMessage();
        int at = message.indexOf(" (through reference chain");
        return at > 0 ? message.substring(0, at) : message;
    }
}
